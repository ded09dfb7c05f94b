import argparse
import os

import torch
from huggingface_hub import HfApi
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

parser = argparse.ArgumentParser(description="Merge a LoRA adapter into its base model and upload it.")
parser.add_argument("--base", required=True)
parser.add_argument("--adapter", required=True)
parser.add_argument("--output", default="merged")
parser.add_argument("--repo-id", default=None)
parser.add_argument("--token", default=os.environ.get("HF_TOKEN"), help="Hub token with write access")
parser.add_argument("--private", action="store_true")
args = parser.parse_args()

base = AutoModelForCausalLM.from_pretrained(args.base, torch_dtype=torch.float16, low_cpu_mem_usage=True)
model = PeftModel.from_pretrained(base, args.adapter)
model = model.merge_and_unload()
tokenizer = AutoTokenizer.from_pretrained(args.adapter)
model.save_pretrained(args.output, safe_serialization=True, max_shard_size="5GB")
tokenizer.save_pretrained(args.output)

if args.repo_id:
    api = HfApi(token=args.token)
    api.create_repo(args.repo_id, private=args.private, exist_ok=True)
    api.upload_folder(folder_path=args.output, repo_id=args.repo_id, commit_message="Merge LoRA adapter")
    print(f"uploaded to https://huggingface.co/{args.repo_id}")
