#!/bin/bash
#SBATCH --job-name=llama-sft
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gres=gpu:8
#SBATCH --cpus-per-task=96
#SBATCH --time=24:00:00
#SBATCH --output=logs/%x-%j.out

source ~/.bashrc
conda activate ml
export HF_TOKEN=$(cat ~/.cache/huggingface/token)
export WANDB_API_KEY=${WANDB_API_KEY}
export NCCL_ASYNC_ERROR_HANDLING=1
export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
export MASTER_PORT=29500
GPUS_PER_NODE=8
NNODES=$SLURM_NNODES

srun --jobid $SLURM_JOBID bash -c 'accelerate launch \
  --config_file fsdp_config.yaml \
  --num_processes $((NNODES * GPUS_PER_NODE)) \
  --num_machines $NNODES \
  --machine_rank $SLURM_PROCID \
  --main_process_ip $MASTER_ADDR \
  --main_process_port $MASTER_PORT \
  sft_trl.py \
  --model_name meta-llama/Llama-3.1-70B-Instruct \
  --output_dir /scratch/llama-70b-sft \
  --hub_token "$HF_TOKEN" \
  --per_device_train_batch_size 1 \
  --gradient_accumulation_steps 8 \
  --bf16 true'
