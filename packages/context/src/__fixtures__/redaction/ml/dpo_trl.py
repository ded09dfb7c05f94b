# Direct preference optimisation on top of an SFT checkpoint.
import os

import torch
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

MODEL_ID = "my-org/llama-3.1-8b-sft"
token = os.getenv("HF_TOKEN")

model = AutoModelForCausalLM.from_pretrained(MODEL_ID, torch_dtype=torch.bfloat16, token=token)
ref_model = AutoModelForCausalLM.from_pretrained(MODEL_ID, torch_dtype=torch.bfloat16, token=token)
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID, token=token)
tokenizer.pad_token = tokenizer.eos_token
tokenizer.chat_template = tokenizer.chat_template or "{% for message in messages %}{{ message['content'] }}{% endfor %}"

dataset = load_dataset("trl-lib/ultrafeedback_binarized", split="train")


def format_pair(example):
    # chosen/rejected are lists of messages; keep the last assistant turn only
    return {
        "prompt": example["chosen"][:-1],
        "chosen": example["chosen"][-1:],
        "rejected": example["rejected"][-1:],
    }


dataset = dataset.map(format_pair, num_proc=8, desc="formatting pairs")

args = DPOConfig(
    output_dir="llama-3.1-8b-dpo",
    beta=0.1,
    loss_type="sigmoid",
    learning_rate=5e-7,
    per_device_train_batch_size=2,
    gradient_accumulation_steps=16,
    max_length=2048,
    max_prompt_length=1024,
    bf16=True,
    logging_steps=10,
    report_to=["wandb"],
    run_name="dpo-beta0.1",
    push_to_hub=True,
    hub_model_id="my-org/llama-3.1-8b-dpo",
    hub_private_repo=True,
)

trainer = DPOTrainer(model=model, ref_model=ref_model, args=args, train_dataset=dataset, processing_class=tokenizer)
trainer.train()
metrics = trainer.evaluate()
print({k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)})
