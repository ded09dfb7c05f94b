#!/usr/bin/env bash
# Launch the SFT script on Hugging Face Jobs; the token is passed as a secret, never inline.
hf jobs uv run \
  --flavor a100-large \
  --timeout 6h \
  --secrets HF_TOKEN \
  --env WANDB_PROJECT=llama3-sft \
  -s WANDB_API_KEY \
  --with trl --with peft --with flash-attn \
  https://huggingface.co/datasets/my-org/scripts/resolve/main/sft_trl.py \
  --model_name meta-llama/Llama-3.1-8B-Instruct \
  --output_dir /data/out \
  --push_to_hub true
hf jobs ps -a
hf jobs logs "$(hf jobs ps -q | head -n1)"
