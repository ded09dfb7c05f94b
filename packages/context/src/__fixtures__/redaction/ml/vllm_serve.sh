#!/usr/bin/env bash
# Serve the fine-tuned model with an OpenAI-compatible API and smoke-test it.
export VLLM_API_KEY="${VLLM_API_KEY:?export VLLM_API_KEY first}"
vllm serve my-org/llama-3.1-8b-dpo \
  --dtype bfloat16 \
  --max-model-len 8192 \
  --tensor-parallel-size 2 \
  --enable-prefix-caching \
  --api-key "$VLLM_API_KEY" \
  --served-model-name llama-dpo &
SERVER_PID=$!
until curl -sf http://localhost:8000/health; do sleep 2; done

curl http://localhost:8000/v1/chat/completions \
  -H "Content-Type: application/json" \
  -H "Authorization: Bearer $VLLM_API_KEY" \
  -d '{"model": "llama-dpo", "messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 32}'

OPENAI_API_KEY=EMPTY OPENAI_BASE_URL=http://localhost:8000/v1 python bench_client.py --num-prompts 200 --max-tokens 256
kill $SERVER_PID
