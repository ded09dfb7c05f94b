import os
from pathlib import Path

from huggingface_hub import HfApi, create_repo, login, snapshot_download, whoami

token = os.environ.get("HF_TOKEN") or Path("~/.cache/huggingface/token").expanduser().read_text().strip()
login(token=token)
user = whoami(token=token)["name"]
api = HfApi(token=token)

repo_id = f"{user}/qwen2.5-7b-sft-gguf"
create_repo(repo_id, repo_type="model", private=True, exist_ok=True, token=token)
api.upload_folder(
    folder_path="./gguf",
    repo_id=repo_id,
    allow_patterns=["*.gguf", "README.md"],
    commit_message="Add Q4_K_M and Q8_0 quantizations",
)
local = snapshot_download(repo_id="Qwen/Qwen2.5-7B-Instruct", allow_patterns=["*.json", "*.safetensors"], token=token)
print("downloaded to", local)
for info in api.list_repo_files(repo_id):
    print(info)
api.add_space_secret(repo_id=f"{user}/demo", key="HF_TOKEN", value=token)
api.add_space_variable(repo_id=f"{user}/demo", key="MODEL_ID", value=repo_id)
