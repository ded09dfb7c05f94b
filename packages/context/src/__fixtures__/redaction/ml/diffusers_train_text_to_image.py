import torch
import torch.nn.functional as F
from accelerate import Accelerator
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from diffusers.optimization import get_scheduler
from diffusers.training_utils import EMAModel, compute_snr
from transformers import CLIPTextModel, CLIPTokenizer

pretrained = "stable-diffusion-v1-5/stable-diffusion-v1-5"
noise_scheduler = DDPMScheduler.from_pretrained(pretrained, subfolder="scheduler")
tokenizer = CLIPTokenizer.from_pretrained(pretrained, subfolder="tokenizer")
text_encoder = CLIPTextModel.from_pretrained(pretrained, subfolder="text_encoder")
vae = AutoencoderKL.from_pretrained(pretrained, subfolder="vae")
unet = UNet2DConditionModel.from_pretrained(pretrained, subfolder="unet")
vae.requires_grad_(False)
text_encoder.requires_grad_(False)
ema_unet = EMAModel(unet.parameters(), model_cls=UNet2DConditionModel, model_config=unet.config)
accelerator = Accelerator(gradient_accumulation_steps=4, mixed_precision="fp16")
optimizer = torch.optim.AdamW(unet.parameters(), lr=1e-5, weight_decay=1e-2)
lr_scheduler = get_scheduler("constant", optimizer=optimizer, num_warmup_steps=0)


def tokenize_captions(captions):
    inputs = tokenizer(captions, max_length=tokenizer.model_max_length, padding="max_length", truncation=True, return_tensors="pt")
    return inputs.input_ids


def training_step(batch, snr_gamma=5.0):
    latents = vae.encode(batch["pixel_values"].to(torch.float16)).latent_dist.sample()
    latents = latents * vae.config.scaling_factor
    noise = torch.randn_like(latents)
    bsz = latents.shape[0]
    timesteps = torch.randint(0, noise_scheduler.config.num_train_timesteps, (bsz,), device=latents.device).long()
    noisy_latents = noise_scheduler.add_noise(latents, noise, timesteps)
    encoder_hidden_states = text_encoder(batch["input_ids"], return_dict=False)[0]
    if noise_scheduler.config.prediction_type == "epsilon":
        target = noise
    elif noise_scheduler.config.prediction_type == "v_prediction":
        target = noise_scheduler.get_velocity(latents, noise, timesteps)
    else:
        raise ValueError(f"Unknown prediction type {noise_scheduler.config.prediction_type}")
    model_pred = unet(noisy_latents, timesteps, encoder_hidden_states, return_dict=False)[0]
    snr = compute_snr(noise_scheduler, timesteps)
    mse_loss_weights = torch.stack([snr, snr_gamma * torch.ones_like(timesteps)], dim=1).min(dim=1)[0] / snr
    loss = F.mse_loss(model_pred.float(), target.float(), reduction="none")
    loss = loss.mean(dim=list(range(1, len(loss.shape)))) * mse_loss_weights
    return loss.mean()
