import asyncio
import os
import time

from openai import AsyncOpenAI

client = AsyncOpenAI(
    base_url=os.environ.get("OPENAI_BASE_URL", "https://router.huggingface.co/v1"),
    api_key=os.environ["HF_TOKEN"],
)
headers = {"Authorization": f"Bearer {os.environ['HF_TOKEN']}"}


async def one(prompt: str, max_tokens: int = 256) -> tuple[str, float]:
    started = time.perf_counter()
    response = await client.chat.completions.create(
        model="meta-llama/Llama-3.1-8B-Instruct",
        messages=[{"role": "user", "content": prompt}],
        max_tokens=max_tokens,
        temperature=0.0,
        extra_headers=headers,
    )
    return response.choices[0].message.content, time.perf_counter() - started


async def main():
    prompts = [f"Summarise item {i} in one sentence." for i in range(32)]
    results = await asyncio.gather(*(one(p) for p in prompts))
    latencies = sorted(latency for _, latency in results)
    print(f"p50={latencies[len(latencies) // 2]:.2f}s p95={latencies[int(len(latencies) * 0.95)]:.2f}s")
    usage_key = "completion_tokens"
    print(usage_key, sum(len(text.split()) for text, _ in results))


asyncio.run(main())
