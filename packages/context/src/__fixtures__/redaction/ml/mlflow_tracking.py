import os

import mlflow
from transformers import TrainerCallback


class MlflowLossCallback(TrainerCallback):
    def __init__(self, run_name: str):
        mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", "http://localhost:5000"))
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        if token:
            os.environ["MLFLOW_TRACKING_TOKEN"] = token
        self.run = mlflow.start_run(run_name=run_name)

    def on_log(self, args, state, control, logs=None, **kwargs):
        for key, value in (logs or {}).items():
            if isinstance(value, (int, float)):
                mlflow.log_metric(key.replace("/", "_"), value, step=state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        mlflow.log_params({"learning_rate": args.learning_rate, "seed": args.seed})
        mlflow.end_run()
