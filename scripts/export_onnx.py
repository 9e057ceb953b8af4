#!/usr/bin/env python3
"""Export the all-MiniLM-L6-v2 BERT encoder to ONNX (fp32), for the embedding benchmark peers.

Writes ${RUMORCONTROL_MODEL_DIR}/onnx/model.onnx (skipped when it exists, unless --force):

- inputs:  input_ids, attention_mask, token_type_ids  (int64, shape [batch, sequence])
- output:  last_hidden_state                          (float32, shape [batch, sequence, 384])
- batch and sequence axes are dynamic; weights are the model dir's model.safetensors as
  loaded by sentence-transformers (no quantisation, no fp16).

Mean pooling and L2 normalisation are not part of the graph: scripts/bench_embed_peers.py
does them in numpy. After the export (and also when the file already exists) the ONNX
output, pooled and normalised, is compared against sentence-transformers on a few posts
and the max-abs difference is printed.

Usage:
    python3 scripts/export_onnx.py [--model-dir DIR] [--output PATH] [--force]
                                   [--posts dev-posts.jsonl] [--check N] [--tolerance T]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DEFAULT_POSTS = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev-posts.jsonl"
FALLBACK_TEXTS = [
    "Dead people voted in the 2020 election.",
    "Poll watchers were not allowed into polling locations.",
    "Voting machines switched votes from Trump to Biden.",
    "Short.",
    "A much longer post that goes on and on about ballots, counting centres, late-night "
    "vote dumps, signature verification and every other claim that has been made since "
    "the polls closed on election night, repeated several times over. " * 3,
]


from rumorcontrol_paths import default_model_dir  # noqa: E402


def check_model_dir(model_dir: Path, prog: str) -> None:
    missing = [n for n in ("config.json", "tokenizer.json", "model.safetensors")
               if not (model_dir / n).is_file()]
    if missing:
        raise SystemExit(
            f"{prog}: model files missing in {model_dir} ({', '.join(missing)}); "
            f"run scripts/fetch-model.sh (or set RUMORCONTROL_MODEL_DIR / pass --model-dir)."
        )


def default_posts() -> Path:
    env = os.environ.get("RUMORCONTROL_DEV_POSTS")
    if env:
        return Path(env)
    # scripts/ lives in the repo; shared/ sits beside the repo (…/main/scripts -> …/shared)
    for cand in (DEFAULT_POSTS,
                 Path(__file__).resolve().parent.parent / "shared" / "eval" / "dev-posts.jsonl"):
        if cand.is_file():
            return cand
    return DEFAULT_POSTS


def load_texts(path: Path | None, limit: int) -> list[str]:
    texts: list[str] = []
    if path is not None and path.is_file():
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    texts.append(json.loads(line)["text"])
    if not texts:
        texts = list(FALLBACK_TEXTS)
    if len(texts) > limit:
        # a spread of lengths: shortest, longest and some in between
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        step = (len(order) - 1) / (limit - 1) if limit > 1 else 0
        texts = [texts[order[round(k * step)]] for k in range(limit)]
    return texts


def export(st_model, output: Path, opset: int) -> None:
    import torch

    transformer = st_model[0]
    bert = transformer.auto_model
    # Eager attention traces to plain MatMul/Softmax ops, which every ONNX Runtime build
    # runs; the weights and the arithmetic are the same as with SDPA.
    try:
        bert.set_attn_implementation("eager")
    except Exception:  # older transformers: attribute on the config
        bert.config._attn_implementation = "eager"
    bert.eval()

    class Encoder(torch.nn.Module):
        """forward() returns only last_hidden_state."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids, return_dict=True).last_hidden_state

    enc = Encoder(bert).eval()

    tok = transformer.tokenizer
    sample = tok(["a short sample", "a somewhat longer sample sentence with padding"],
                 padding=True, return_tensors="pt")
    args = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(".onnx.tmp")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            enc, args, str(tmp),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={**{n: {0: "batch", 1: "sequence"} for n in names},
                          "last_hidden_state": {0: "batch", 1: "sequence"}},
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    import onnx

    m = onnx.load(str(tmp))
    onnx.checker.check_model(m)
    os.replace(tmp, output)


def mean_pool_normalise(hidden, mask):
    import numpy as np

    m = mask.astype(np.float32)[:, :, None]
    summed = (hidden * m).sum(axis=1)
    counts = np.clip(m.sum(axis=1), 1e-9, None)
    pooled = summed / counts
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.maximum(norms, 1e-12)


def verify(st_model, onnx_path: Path, texts: list[str], max_len: int) -> tuple[float, float]:
    """Max-abs difference of the normalised embeddings, and of last_hidden_state on real tokens."""
    import numpy as np
    import onnxruntime as ort
    import torch

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])

    tok = st_model[0].tokenizer
    enc = tok(texts, padding=True, truncation=True, max_length=max_len, return_tensors="np")
    feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
    hidden = sess.run(["last_hidden_state"], feeds)[0]
    onnx_vecs = mean_pool_normalise(hidden, feeds["attention_mask"])

    with torch.no_grad():
        st_vecs = st_model.encode(texts, batch_size=len(texts), convert_to_numpy=True,
                                  normalize_embeddings=True)
        ref_hidden = st_model[0].auto_model(
            **{k: torch.from_numpy(v) for k, v in feeds.items()}).last_hidden_state.numpy()
    mask = feeds["attention_mask"].astype(bool)
    hidden_diff = float(np.abs(hidden[mask] - ref_hidden[mask]).max())
    vec_diff = float(np.abs(onnx_vecs - st_vecs).max())
    return vec_diff, hidden_diff


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=default_model_dir(),
                    help="model directory (default: %(default)s)")
    ap.add_argument("--output", type=Path, default=None,
                    help="ONNX file to write (default: MODEL_DIR/onnx/model.onnx)")
    ap.add_argument("--force", action="store_true", help="export again even if the file exists")
    ap.add_argument("--opset", type=int, default=17, help="ONNX opset (default: %(default)s)")
    ap.add_argument("--posts", type=Path, default=default_posts(),
                    help="JSONL posts for the parity check (default: %(default)s)")
    ap.add_argument("--check", type=int, default=8, help="posts to compare (default: %(default)s; 0 = skip)")
    ap.add_argument("--tolerance", type=float, default=1e-4,
                    help="max-abs difference of normalised embeddings allowed (default: %(default)s)")
    args = ap.parse_args(argv)

    prog = "export_onnx"
    check_model_dir(args.model_dir, prog)
    output = args.output or (args.model_dir / "onnx" / "model.onnx")

    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    st_model = SentenceTransformer(str(args.model_dir), device="cpu")
    st_model.eval()
    max_len = int(st_model.max_seq_length or 256)

    if output.is_file() and not args.force:
        print(f"{prog}: {output} exists (use --force to export again)", file=sys.stderr)
    else:
        print(f"{prog}: exporting to {output} (opset {args.opset}, fp32, dynamic batch/sequence)",
              file=sys.stderr)
        export(st_model, output, args.opset)
        print(f"{prog}: wrote {output} ({output.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)

    if args.check > 0:
        texts = load_texts(args.posts, args.check)
        vec_diff, hidden_diff = verify(st_model, output, texts, max_len)
        ok = vec_diff <= args.tolerance
        print(f"{prog}: parity vs sentence-transformers on {len(texts)} posts (one padded batch): "
              f"embedding max-abs diff {vec_diff:.3e}, last_hidden_state max-abs diff {hidden_diff:.3e} "
              f"-> {'OK' if ok else 'FAIL'} (tolerance {args.tolerance:g})")
        if not ok:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
