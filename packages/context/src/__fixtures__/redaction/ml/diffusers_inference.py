import os

import torch
from diffusers import DiffusionPipeline, DPMSolverMultistepScheduler, StableDiffusionXLPipeline

pipe = StableDiffusionXLPipeline.from_pretrained(
    "stabilityai/stable-diffusion-xl-base-1.0",
    torch_dtype=torch.float16,
    variant="fp16",
    use_safetensors=True,
    token=os.environ.get("HF_TOKEN"),
).to("cuda")
pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config, use_karras_sigmas=True)
pipe.load_lora_weights("my-org/sdxl-watercolor-lora", weight_name="pytorch_lora_weights.safetensors", adapter_name="watercolor")
pipe.set_adapters(["watercolor"], adapter_weights=[0.8])
pipe.enable_model_cpu_offload()

refiner = DiffusionPipeline.from_pretrained(
    "stabilityai/stable-diffusion-xl-refiner-1.0",
    text_encoder_2=pipe.text_encoder_2,
    vae=pipe.vae,
    torch_dtype=torch.float16,
    variant="fp16",
)
generator = torch.Generator("cuda").manual_seed(0)
prompt = "a watercolor painting of a lighthouse at dawn, soft light"
image = pipe(prompt=prompt, num_inference_steps=30, denoising_end=0.8, output_type="latent", generator=generator).images
image = refiner(prompt=prompt, num_inference_steps=30, denoising_start=0.8, image=image).images[0]
image.save("lighthouse.png")
