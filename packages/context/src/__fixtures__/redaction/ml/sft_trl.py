"""Supervised fine-tuning of Llama-3.1-8B on a chat dataset with TRL and LoRA."""
import os
from dataclasses import dataclass, field
from typing import Optional

import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer, HfArgumentParser
from trl import SFTConfig, SFTTrainer


@dataclass
class ScriptArguments:
    model_name: str = field(default="meta-llama/Llama-3.1-8B-Instruct")
    dataset_name: str = field(default="HuggingFaceH4/ultrachat_200k")
    dataset_split: str = "train_sft"
    hub_token: Optional[str] = field(default=None, metadata={"help": "Token used to push to the Hub"})
    max_seq_length: int = 2048
    lora_r: int = 16
    lora_alpha: int = 32


def main():
    parser = HfArgumentParser((ScriptArguments, SFTConfig))
    script_args, training_args = parser.parse_args_into_dataclasses()
    hf_token = script_args.hub_token or os.environ.get("HF_TOKEN")

    tokenizer = AutoTokenizer.from_pretrained(script_args.model_name, token=hf_token)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "right"

    model = AutoModelForCausalLM.from_pretrained(
        script_args.model_name,
        torch_dtype=torch.bfloat16,
        attn_implementation="flash_attention_2",
        token=hf_token,
    )
    model.config.pad_token_id = tokenizer.pad_token_id
    model.config.use_cache = False

    dataset = load_dataset(script_args.dataset_name, split=script_args.dataset_split, token=hf_token)
    dataset = dataset.train_test_split(test_size=0.02, seed=42)

    peft_config = LoraConfig(
        r=script_args.lora_r,
        lora_alpha=script_args.lora_alpha,
        lora_dropout=0.05,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        task_type="CAUSAL_LM",
    )

    training_args.max_seq_length = script_args.max_seq_length
    training_args.hub_token = hf_token
    training_args.push_to_hub = hf_token is not None
    trainer = SFTTrainer(
        model=model,
        args=training_args,
        train_dataset=dataset["train"],
        eval_dataset=dataset["test"],
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    trainer.save_model(training_args.output_dir)
    if training_args.push_to_hub:
        trainer.push_to_hub(dataset_name=script_args.dataset_name)


if __name__ == "__main__":
    main()
