"""Classical baseline before fine-tuning: TF-IDF + logistic regression (scikit-learn)."""
import json
from pathlib import Path

import joblib
from datasets import load_dataset
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report
from sklearn.pipeline import make_pipeline

RUN_NAME = "sk-learn-baseline-tfidf-logreg"
OUT = Path("models") / "sk-learn-baseline-tfidf-logreg-v2"

ds = load_dataset("stanfordnlp/imdb")
clf = make_pipeline(TfidfVectorizer(max_features=50_000, ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(max_iter=2000, C=4.0))
clf.fit(ds["train"]["text"], ds["train"]["label"])
report = classification_report(ds["test"]["label"], clf.predict(ds["test"]["text"]), output_dict=True)
OUT.mkdir(parents=True, exist_ok=True)
joblib.dump(clf, OUT / "model.joblib")
(OUT / "metrics.json").write_text(json.dumps({"run": RUN_NAME, "accuracy": report["accuracy"]}, indent=2))
sorted_scores = sorted(report.items(), key=lambda kv: str(kv[0]))
print(sorted(clf.named_steps.keys(), key=len), sorted_scores[:2])
