#!/bin/bash
# Evaluate the merged checkpoint and the base model on the Open LLM Leaderboard v2 tasks.
set -e
MODEL=${1:-my-org/llama-3.1-8b-dpo}
export HF_HUB_ENABLE_HF_TRANSFER=1
export TOKENIZERS_PARALLELISM=false
export HF_TOKEN=${HF_TOKEN:-$(cat ~/.cache/huggingface/token)}

for model in "$MODEL" meta-llama/Llama-3.1-8B-Instruct; do
  lm_eval --model vllm \
    --model_args pretrained=$model,dtype=bfloat16,tensor_parallel_size=2,gpu_memory_utilization=0.8,max_model_len=4096,add_bos_token=True \
    --tasks leaderboard_ifeval,leaderboard_bbh,leaderboard_math_hard,leaderboard_gpqa,leaderboard_musr,leaderboard_mmlu_pro \
    --batch_size auto \
    --apply_chat_template \
    --fewshot_as_multiturn \
    --output_path results/$(basename "$model") \
    --log_samples \
    --hf_hub_log_args hub_results_org=my-org,details_repo_name=evals,push_results_to_hub=True,public_repo=False
done
python - <<'PY'
import glob, json
for path in sorted(glob.glob("results/**/results_*.json", recursive=True)):
    data = json.load(open(path))
    print(path, {k: v.get("acc_norm,none", v.get("exact_match,none")) for k, v in data["results"].items()})
PY
