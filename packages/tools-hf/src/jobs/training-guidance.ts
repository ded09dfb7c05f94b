import { formatDuration } from './job-spec.js';

/**
 * Hardware sizing for the `hf_jobs` description: VRAM per model size and method, and which
 * flavors fit. Rules of thumb for bf16 training with AdamW at modest sequence lengths.
 */
export const HARDWARE_GUIDANCE = [
  'Sizing (GPU memory; t4 16 GB, l4/a10g 24 GB, l40s 48 GB, a100/h100 80 GB per GPU):',
  '- Full fine-tuning needs ~16 GB per 1B parameters (weights, gradients, Adam states): ≤1B → a10g-large; 1–3B → a100-large; 7–8B → a100x4/h100x8 with FSDP or DeepSpeed.',
  '- LoRA needs ~2.5 GB per 1B parameters plus activations: 1–3B → a10g-large; 7–8B → l40sx1 or a100-large; 13B → a100-large.',
  '- QLoRA (4-bit base) needs ~1 GB per 1B parameters plus activations: 7–8B → a10g-large or l4x1; 13B → l40sx1; 70B → a100-large.',
  'Default timeout is 30m; real training runs usually need 1–8h (installing and downloading alone take ~5–10 min). A job that hits its timeout is killed and loses anything not pushed.',
  'Training scripts should set push_to_hub=True and hub_model_id (the job\'s disk is erased when it ends), log to Trackio (trackio_space_id) and save checkpoints with hub_strategy="every_save" for long runs.',
].join('\n');

const TRAINER_MARKERS = /\b(?:SFTConfig|DPOConfig|GRPOConfig|KTOConfig|ORPOConfig|RewardConfig|TrainingArguments|Seq2SeqTrainingArguments|Trainer)\s*\(/;
const MAX_STEPS = /\bmax_steps\s*[=:]\s*(\d+)|--max_steps[=\s]+(\d+)/;
const EPOCHS = /\bnum_train_epochs\s*[=:]\s*(\d+(?:\.\d+)?)|--num_train_epochs[=\s]+(\d+(?:\.\d+)?)/;

/** Rough seconds per optimizer step by flavor family (small models, default batch sizes). */
function secondsPerStep(flavor: string): number {
  if (flavor.startsWith('cpu-')) return 20;
  if (/^(?:a100|h100|h200)/.test(flavor)) return 0.5;
  if (flavor.startsWith('t4')) return 3;
  return 1.5;
}

/** Time to install packages and download a model and dataset before the first step. */
const SETUP_SECONDS = 10 * 60;

export interface TrainingCheckInput {
  /** The script's text (inline code or the workspace file), when known. */
  scriptText?: string | undefined;
  scriptArgs?: readonly string[] | undefined;
  command?: readonly string[] | undefined;
  hardwareFlavor: string;
  timeoutSeconds: number | undefined;
}

/**
 * Warnings about a training job before it runs: a timeout that looks too short for the requested
 * steps, and a trainer config that never pushes its result to the Hub.
 */
export function trainingWarnings(input: TrainingCheckInput): string[] {
  const text = [input.scriptText ?? '', ...(input.scriptArgs ?? []), ...(input.command ?? [])].join('\n');
  const warnings: string[] = [];
  const isTraining = TRAINER_MARKERS.test(text) || /\b(?:trl|accelerate launch|torchrun)\b/.test(text);
  if (!isTraining) return warnings;
  const steps = MAX_STEPS.exec(text);
  const stepCount = steps ? Number(steps[1] ?? steps[2]) : undefined;
  if (stepCount !== undefined && stepCount > 0 && input.timeoutSeconds !== undefined) {
    const needed = SETUP_SECONDS + stepCount * secondsPerStep(input.hardwareFlavor);
    if (input.timeoutSeconds < needed) {
      warnings.push(
        `timeout ${formatDuration(input.timeoutSeconds)} looks too short for max_steps=${stepCount} on ${input.hardwareFlavor} (~${secondsPerStep(input.hardwareFlavor)} s/step plus ~10 min of setup ≈ ${formatDuration(Math.ceil(needed / 600) * 600)}); a job that hits its timeout is killed and loses unpushed work — raise timeout or lower max_steps.`,
      );
    }
  } else if (stepCount === undefined && EPOCHS.test(text) && input.timeoutSeconds !== undefined && input.timeoutSeconds <= 30 * 60) {
    warnings.push(`timeout ${formatDuration(input.timeoutSeconds)} is the short default and the trainer runs whole epochs; make sure that fits, or raise timeout (e.g. "2h").`);
  }
  if (TRAINER_MARKERS.test(text) && !/\bpush_to_hub\b/.test(text) && !/\b(?:upload_folder|upload_file|uploadFiles)\b/.test(text)) {
    warnings.push('the trainer config has no push_to_hub: the job\'s disk is erased when it ends, so the model would be lost. Set push_to_hub=True and hub_model_id="<user>/<name>" (or upload the output folder at the end).');
  }
  return warnings;
}
