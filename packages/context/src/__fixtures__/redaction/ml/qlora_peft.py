# QLoRA: 4-bit NF4 base model + LoRA adapters, trained with the plain Trainer.
import os
import torch
from datasets import load_dataset
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    BitsAndBytesConfig,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

base = "mistralai/Mistral-7B-v0.3"
bnb_config = BitsAndBytesConfig(
    load_in_4bit=True,
    bnb_4bit_quant_type="nf4",
    bnb_4bit_compute_dtype=torch.bfloat16,
    bnb_4bit_use_double_quant=True,
)
tokenizer = AutoTokenizer.from_pretrained(base, use_fast=True)
tokenizer.pad_token = tokenizer.unk_token
tokenizer.padding_side = "left"
model = AutoModelForCausalLM.from_pretrained(base, quantization_config=bnb_config, device_map={"": 0})
model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)

lora = LoraConfig(
    r=64,
    lora_alpha=16,
    lora_dropout=0.1,
    bias="none",
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
    task_type="CAUSAL_LM",
)
model = get_peft_model(model, lora)
model.print_trainable_parameters()

data = load_dataset("timdettmers/openassistant-guanaco")


def tokenize(batch):
    out = tokenizer(batch["text"], truncation=True, max_length=1024, padding=False)
    out["labels"] = out["input_ids"].copy()
    return out


data = data.map(tokenize, batched=True, remove_columns=["text"])
args = TrainingArguments(
    output_dir="./mistral-qlora",
    per_device_train_batch_size=4,
    gradient_accumulation_steps=4,
    warmup_ratio=0.03,
    max_steps=1000,
    learning_rate=2e-4,
    lr_scheduler_type="constant",
    optim="paged_adamw_32bit",
    fp16=False,
    bf16=True,
    logging_steps=10,
    save_strategy="steps",
    save_steps=200,
    hub_token=os.environ.get("HUB_TOKEN"),
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=data["train"],
    data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
)
model.config.use_cache = False  # silence the warnings. Please re-enable for inference!
trainer.train()
