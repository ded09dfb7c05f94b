#!/bin/sh
model=my-org/llama-3.1-8b-dpo
volume=$PWD/data
docker run --gpus all --shm-size 1g -p 8080:80 -v $volume:/data \
    -e HF_TOKEN=$HF_TOKEN \
    ghcr.io/huggingface/text-generation-inference:2.4.0 \
    --model-id $model --max-input-tokens 4096 --max-total-tokens 8192 --max-batch-prefill-tokens 8192
curl 127.0.0.1:8080/generate_stream \
    -X POST \
    -d '{"inputs":"What is Deep Learning?","parameters":{"max_new_tokens":20}}' \
    -H 'Content-Type: application/json'
