import { readFileSync } from 'node:fs';
import type { FakeGitHubRepository } from '@ml-intern/testing';

export const TOKEN = 'ghp_fixture0000000000000000000000000000';

export const SFT_SCRIPT = [
  '# Supervised fine-tuning example',
  'from trl import SFTConfig, SFTTrainer',
  'from peft import LoraConfig',
  '',
  'trainer = SFTTrainer(model="Qwen/Qwen2-0.5B", args=SFTConfig(output_dir="out"), peft_config=LoraConfig(r=8))',
  'trainer.train()',
].join('\n');

export const BIG_MODULE = Array.from({ length: 1000 }, (_, index) => `value_${index + 1} = ${index + 1}  # line ${index + 1}`).join('\n');

export const NOTEBOOK = readFileSync(new URL('./sft-lora-notebook.json', import.meta.url), 'utf8');

export const REPOSITORIES: FakeGitHubRepository[] = [
  {
    owner: 'huggingface',
    name: 'trl',
    description: 'Train transformer language models with reinforcement learning.',
    stars: 15_000,
    forks: 2_000,
    language: 'Python',
    refs: ['v0.20.0'],
    files: {
      'README.md': '# TRL\n',
      'examples/scripts/sft.py': SFT_SCRIPT,
      'examples/scripts/grpo.py': 'from trl import GRPOTrainer\n',
      'examples/scripts/dpo.py': 'from trl import DPOTrainer\n',
      'examples/notebooks/sft_lora_tutorial.ipynb': NOTEBOOK,
      'examples/research_projects/stack_llama/scripts/reward_modeling.py': 'from trl import RewardTrainer\n',
      'examples/scripts/logo.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]),
      'examples/assets/diagram.bin': new Uint8Array([0, 1, 2, 3]),
      'trl/__init__.py': '__version__ = "0.20.0"\n',
      'trl/trainer/sft_trainer.py': 'class SFTTrainer:\n    pass\n',
      'trl/trainer/big_module.py': BIG_MODULE,
      'tests/test_sft_trainer.py': 'def test_sft():\n    pass\n',
      'docs/source/lora_tuning_peft.md': '# LoRA tuning with PEFT\n',
    },
  },
  { owner: 'huggingface', name: 'transformers', description: 'State-of-the-art machine learning for PyTorch, TensorFlow and JAX.', stars: 150_000, forks: 30_000, language: 'Python', updatedAt: '2026-03-01T00:00:00Z', files: { 'README.md': '# Transformers\n' } },
  { owner: 'huggingface', name: 'datasets', description: 'The largest hub of ready-to-use datasets.', stars: 20_000, forks: 2_900, language: 'Python', updatedAt: '2026-02-01T00:00:00Z', files: { 'README.md': '# Datasets\n' } },
  { owner: 'huggingface', name: 'peft', description: 'Parameter-efficient fine-tuning.', stars: 18_000, forks: 1_900, language: 'Python', updatedAt: '2026-02-15T00:00:00Z', files: { 'README.md': '# PEFT\n' } },
  { owner: 'huggingface', name: 'transformers-fork', description: 'A fork.', stars: 5, forks: 40_000, isFork: true, language: 'Python', files: { 'README.md': 'fork\n' } },
  { owner: 'someone', name: 'trl-experiments', description: 'My TRL experiments.', stars: 3, language: 'Python', files: { 'train.py': 'import trl\n' } },
];
