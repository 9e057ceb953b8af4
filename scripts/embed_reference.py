#!/usr/bin/env python3
"""Reference embeddings for all-MiniLM-L6-v2 (sentence-transformers), in plain numpy.

Reads JSONL lines with "id" and "text" (other fields are ignored) and writes one JSONL
line per input:

    {"id": ..., "tokens": [101, ..., 102], "vector": [384 floats]}

- Tokenization: the `tokenizers` library with the model dir's tokenizer.json, with its
  built-in padding (Fixed 128) switched off and truncation set to max_seq_length from
  sentence_bert_config.json (256 tokens including [CLS] and [SEP]), which is what
  sentence-transformers does for this model.
- Encoder: the BERT forward pass written out here, computed in float64 from the
  float32 weights in model.safetensors: embeddings (word + absolute position +
  token type 0) -> LayerNorm, then per layer: 12-head self-attention, residual +
  LayerNorm, FFN with exact (erf) GELU, residual + LayerNorm (eps from config.json).
- Pooling: mean over all tokens (attention mask is all ones: one text at a time, no
  padding), then L2 normalisation (as torch.nn.functional.normalize, eps 1e-12).

Usage:
    python3 scripts/embed_reference.py INPUT.jsonl [-o OUTPUT.jsonl] [--model-dir DIR]

INPUT may be '-' for stdin; output goes to stdout unless -o is given. The model dir
defaults to the one scripts/fetch-model.sh fills.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer


from rumorcontrol_paths import default_model_dir  # noqa: E402


class MiniLMReference:
    def __init__(self, model_dir: Path):
        self.model_dir = model_dir
        for name in ("config.json", "tokenizer.json", "model.safetensors"):
            if not (model_dir / name).is_file():
                raise SystemExit(
                    f"embed_reference: {model_dir / name} not found; run scripts/fetch-model.sh "
                    f"(or pass --model-dir)."
                )
        cfg = json.loads((model_dir / "config.json").read_text())
        if cfg.get("hidden_act") != "gelu":
            raise SystemExit(f"embed_reference: unsupported hidden_act {cfg.get('hidden_act')!r}")
        if cfg.get("position_embedding_type", "absolute") != "absolute":
            raise SystemExit("embed_reference: only absolute position embeddings are supported")
        self.hidden = int(cfg["hidden_size"])
        self.heads = int(cfg["num_attention_heads"])
        self.head_dim = self.hidden // self.heads
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg["layer_norm_eps"])
        self.max_positions = int(cfg["max_position_embeddings"])

        st_cfg_path = model_dir / "sentence_bert_config.json"
        st_cfg = json.loads(st_cfg_path.read_text()) if st_cfg_path.is_file() else {}
        self.max_seq_length = int(st_cfg.get("max_seq_length", 256))
        if self.max_seq_length > self.max_positions:
            raise SystemExit("embed_reference: max_seq_length exceeds max_position_embeddings")

        pool_path = model_dir / "1_Pooling" / "config.json"
        if pool_path.is_file():
            pool = json.loads(pool_path.read_text())
            if not pool.get("pooling_mode_mean_tokens") or any(
                pool.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                      "pooling_mode_mean_sqrt_len_tokens")
            ):
                raise SystemExit(f"embed_reference: only mean pooling is supported, got {pool}")

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json ships with padding to a fixed 128 and truncation at 128;
        # sentence-transformers uses no padding for a single text and truncates at 256.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_seq_length)

        raw = load_file(str(model_dir / "model.safetensors"))
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in raw else ""
        self.w = {
            k[len(prefix):]: v.astype(np.float64)
            for k, v in raw.items()
            if k.startswith(prefix) and v.dtype == np.float32
        }

    def tokenize(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text).ids)

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def encode_ids(self, ids: list[int]) -> np.ndarray:
        n = len(ids)
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][np.asarray(ids, dtype=np.int64)]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._ln(x, "embeddings.LayerNorm")
        scale = 1.0 / np.sqrt(self.head_dim)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q = self._dense(x, p + "attention.self.query").reshape(n, self.heads, self.head_dim).transpose(1, 0, 2)
            k = self._dense(x, p + "attention.self.key").reshape(n, self.heads, self.head_dim).transpose(1, 0, 2)
            v = self._dense(x, p + "attention.self.value").reshape(n, self.heads, self.head_dim).transpose(1, 0, 2)
            scores = (q @ k.transpose(0, 2, 1)) * scale  # (heads, n, n); no mask: no padding
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            ctx = (probs @ v).transpose(1, 0, 2).reshape(n, self.hidden)
            x = self._ln(self._dense(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = self._dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
            x = self._ln(self._dense(h, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = x.mean(axis=0)
        norm = np.sqrt(np.dot(pooled, pooled))
        return pooled / max(norm, 1e-12)

    def embed(self, text: str) -> tuple[list[int], np.ndarray]:
        ids = self.tokenize(text)
        return ids, self.encode_ids(ids)


def format_line(item_id, ids: list[int], vec: np.ndarray, digits: int) -> str:
    floats = ",".join(f"{float(v):.{digits}g}" for v in vec)
    return (
        '{"id":' + json.dumps(item_id, ensure_ascii=False)
        + ',"tokens":' + json.dumps(ids, separators=(",", ":"))
        + ',"vector":[' + floats + "]}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="JSONL with 'id' and 'text' per line ('-' for stdin)")
    ap.add_argument("-o", "--output", help="output JSONL (default: stdout)")
    ap.add_argument("--model-dir", type=Path, default=default_model_dir(),
                    help="model directory (default: %(default)s)")
    ap.add_argument("--digits", type=int, default=8, help="significant digits per float (default: 8)")
    args = ap.parse_args(argv)

    model = MiniLMReference(args.model_dir)
    src = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    out = sys.stdout if not args.output else open(args.output, "w", encoding="utf-8", newline="\n")
    try:
        for lineno, line in enumerate(src, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                item_id, text = obj["id"], obj["text"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise SystemExit(f"embed_reference: {args.input}:{lineno}: need a JSON object with 'id' and 'text' ({exc})")
            if not isinstance(text, str):
                raise SystemExit(f"embed_reference: {args.input}:{lineno}: 'text' must be a string")
            ids, vec = model.embed(text)
            out.write(format_line(item_id, ids, vec, args.digits) + "\n")
    finally:
        if src is not sys.stdin:
            src.close()
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
