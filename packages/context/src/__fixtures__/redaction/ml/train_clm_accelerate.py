#!/usr/bin/env python
# Causal LM pre-training loop with 🤗 Accelerate (no Trainer).
import logging
import math
import os

import datasets
import torch
from accelerate import Accelerator
from accelerate.logging import get_logger
from accelerate.utils import set_seed
from datasets import load_dataset
from torch.utils.data import DataLoader
from tqdm.auto import tqdm
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, default_data_collator, get_scheduler

logger = get_logger(__name__)
accelerator = Accelerator(gradient_accumulation_steps=8, log_with="wandb", project_dir="runs")
logging.basicConfig(format="%(asctime)s - %(levelname)s - %(name)s - %(message)s", level=logging.INFO)
set_seed(1234)

config = AutoConfig.from_pretrained("gpt2", n_layer=12, n_head=12, n_embd=768)
tokenizer = AutoTokenizer.from_pretrained("gpt2")
tokenizer.pad_token = tokenizer.eos_token
model = AutoModelForCausalLM.from_config(config)

raw = load_dataset("wikitext", "wikitext-103-raw-v1")
block_size = 1024
column_names = raw["train"].column_names
text_column_name = "text" if "text" in column_names else column_names[0]


def tokenize_function(examples):
    return tokenizer(examples[text_column_name])


def group_texts(examples):
    concatenated = {k: sum(examples[k], []) for k in examples.keys()}
    total_length = (len(concatenated[list(examples.keys())[0]]) // block_size) * block_size
    result = {k: [t[i : i + block_size] for i in range(0, total_length, block_size)] for k, t in concatenated.items()}
    result["labels"] = result["input_ids"].copy()
    return result


with accelerator.main_process_first():
    tokenized = raw.map(tokenize_function, batched=True, num_proc=16, remove_columns=column_names, load_from_cache_file=True)
    lm_datasets = tokenized.map(group_texts, batched=True, num_proc=16, desc=f"Grouping texts in chunks of {block_size}")

train_dataloader = DataLoader(lm_datasets["train"], shuffle=True, collate_fn=default_data_collator, batch_size=8)
no_decay = ["bias", "layer_norm.weight"]
optimizer_grouped_parameters = [
    {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.1},
    {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
]
optimizer = torch.optim.AdamW(optimizer_grouped_parameters, lr=6e-4, betas=(0.9, 0.95))
num_update_steps_per_epoch = math.ceil(len(train_dataloader) / accelerator.gradient_accumulation_steps)
max_train_steps = 3 * num_update_steps_per_epoch
lr_scheduler = get_scheduler("cosine", optimizer=optimizer, num_warmup_steps=2000, num_training_steps=max_train_steps)
model, optimizer, train_dataloader, lr_scheduler = accelerator.prepare(model, optimizer, train_dataloader, lr_scheduler)
accelerator.init_trackers("clm_no_trainer", config={"lr": 6e-4, "block_size": block_size})

progress_bar = tqdm(range(max_train_steps), disable=not accelerator.is_local_main_process)
completed_steps = 0
for epoch in range(3):
    model.train()
    for step, batch in enumerate(train_dataloader):
        with accelerator.accumulate(model):
            outputs = model(**batch)
            loss = outputs.loss
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            lr_scheduler.step()
            optimizer.zero_grad()
        if accelerator.sync_gradients:
            progress_bar.update(1)
            completed_steps += 1
            accelerator.log({"train_loss": loss.item(), "lr": lr_scheduler.get_last_lr()[0]}, step=completed_steps)
        if completed_steps % 5000 == 0:
            accelerator.save_state(os.path.join("checkpoints", f"step_{completed_steps}"))
accelerator.end_training()
