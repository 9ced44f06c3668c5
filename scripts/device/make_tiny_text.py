"""Write a tiny, randomly initialised BERT text encoder (2 layers, width 64) with a word-level vocabulary of our
prompts, for device runs: the lent GPU machines have ``transformers`` but no network and not the bundled
all-MiniLM-L6-v2 package. The text side is embedded once per fit, outside the timed steps, so its size does not
change a throughput figure (it does change accuracy: never use it for one).

    python scripts/device/make_tiny_text.py .device/tiny-text
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: make_tiny_text.py OUT_DIR", file=sys.stderr)
        return 2
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    from emoclip_plugin.text.prompts import SEED_CLASS_NAMES, SEED_IV_CLASS_NAMES, TEMPLATES
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    text = " ".join(TEMPLATES + SEED_CLASS_NAMES + SEED_IV_CLASS_NAMES).lower()
    words = sorted(set(re.findall(r"[a-z]+|[^\sa-z]", text)))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n")
    BertTokenizerFast(vocab_file=str(out / "vocab.txt"), do_lower_case=True).save_pretrained(out)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=128, max_position_embeddings=128)
    BertModel(config).save_pretrained(out)
    print(f"{out}: tiny BERT, {len(vocab)} tokens, width 64, 2 layers (random weights)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
