from datasets import load_dataset
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

dataset = load_dataset("wikitext", "wikitext-103-raw-v1", split="train")


def batch_iterator(batch_size=1000):
    for i in range(0, len(dataset), batch_size):
        yield dataset[i : i + batch_size]["text"]


special_tokens = ["<|endoftext|>", "<pad>", "<unk>", "<mask>"]
tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
tokenizer.normalizer = normalizers.NFKC()
tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
trainer = trainers.BpeTrainer(vocab_size=32000, min_frequency=2, special_tokens=special_tokens, show_progress=True)
tokenizer.train_from_iterator(batch_iterator(), trainer=trainer, length=len(dataset))
eot_id = tokenizer.token_to_id("<|endoftext|>")
tokenizer.post_processor = processors.TemplateProcessing(
    single="$A <|endoftext|>",
    pair="$A <|endoftext|> $B:1 <|endoftext|>:1",
    special_tokens=[("<|endoftext|>", eot_id)],
)
tokenizer.decoder = decoders.ByteLevel()

wrapped = PreTrainedTokenizerFast(
    tokenizer_object=tokenizer,
    bos_token="<|endoftext|>",
    eos_token="<|endoftext|>",
    unk_token="<unk>",
    pad_token="<pad>",
    mask_token="<mask>",
    model_max_length=2048,
)
wrapped.save_pretrained("./my-bpe-32k")
print(wrapped("Hello, world!").input_ids, wrapped.pad_token, wrapped.eos_token_id)
