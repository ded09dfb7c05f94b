"""Build a deduplicated, tokenized instruction dataset and push it to the Hub."""
import hashlib
import os

from datasets import Dataset, DatasetDict, concatenate_datasets, load_dataset
from huggingface_hub import login
from transformers import AutoTokenizer

login(token=os.environ["HF_TOKEN"], add_to_git_credential=False)
tokenizer = AutoTokenizer.from_pretrained("meta-llama/Llama-3.2-1B-Instruct")

sources = {
    "alpaca": load_dataset("tatsu-lab/alpaca", split="train"),
    "dolly": load_dataset("databricks/databricks-dolly-15k", split="train"),
}


def to_messages(example, source):
    if source == "dolly":
        prompt = example["instruction"] + ("\n\n" + example["context"] if example["context"] else "")
        answer = example["response"]
    else:
        prompt = example["instruction"] + ("\n\n" + example["input"] if example["input"] else "")
        answer = example["output"]
    return {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}], "source": source}


def dedup_key(example):
    text = example["messages"][0]["content"].strip().lower()
    return {"dedup_key": hashlib.sha256(text.encode("utf-8")).hexdigest()}


parts = [ds.map(to_messages, fn_kwargs={"source": name}, remove_columns=ds.column_names) for name, ds in sources.items()]
merged = concatenate_datasets(parts).map(dedup_key, num_proc=os.cpu_count())
seen = set()


def first_occurrence(example):
    key = example["dedup_key"]
    if key in seen:
        return False
    seen.add(key)
    return True


merged = merged.filter(first_occurrence)
cache_key = f"{tokenizer.name_or_path}-{len(merged)}"
merged = merged.map(
    lambda ex: {"input_ids": tokenizer.apply_chat_template(ex["messages"], tokenize=True)},
    cache_file_name=f"/tmp/cache/{cache_key.replace('/', '_')}.arrow",
    desc="tokenizing",
)
splits = merged.train_test_split(test_size=0.01, seed=0)
DatasetDict({"train": splits["train"], "test": splits["test"]}).push_to_hub(
    "my-org/instruct-mix", private=True, token=os.environ["HF_TOKEN"]
)
print(Dataset.from_dict({"n": [len(merged)]}))
