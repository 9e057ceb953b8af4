#!/usr/bin/env python3
"""Peer benchmark for all-MiniLM-L6-v2 sentence embeddings: sentence-transformers and ONNX Runtime.

The Swift engine (`rumorctl bench embed`) is compared against these peers on the same
weights, the same posts and the same configurations:

    engine   sentence-transformers (PyTorch, CPU) | onnxruntime-fp32 (CPU execution provider) |
             onnxruntime-int8 (the same graph after onnxruntime.quantization.quantize_dynamic:
             int8 weights per output channel, activations quantised per batch at run time)
    threads  1, 2      torch.set_num_threads(n), interop 1 |
                       SessionOptions intra_op_num_threads=n, inter_op_num_threads=1, ORT_ENABLE_ALL
    batch    1, 32     batch 32: posts sorted by length first so padding costs little
                       (sentence-transformers' encode() sorts by itself; the ONNX path
                       tokenizes, sorts by token count, pads each batch to its longest post)

Every timed pass embeds all posts, from text to L2-normalised 384-float vectors:
tokenization (model's tokenizer.json, truncation at 256 tokens), the encoder, mean
pooling over the attention mask and L2 normalisation are all inside the timed region.
One untimed warm-up pass precedes the timed repetitions. Reported per configuration:

- sentences_per_s: posts / pass time, the median over the repetitions
- p50_ms, p99_ms: for batch 1, latency of one post (text in, vector out) over all posts of
  all timed repetitions (nearest-rank percentiles); null for larger batches
- on stderr also: 'other cpu', the cores other processes used meanwhile (from /proc/stat),
  to spot timings skewed by other work on the machine

Output: one JSON line per configuration on stdout
    {"engine": ..., "threads": n, "batch": b, "sentences_per_s": x, "p50_ms": x|null,
     "p99_ms": x|null, "repetitions": n}
and a human-readable table (plus an ONNX-vs-torch parity line) on stderr.

Usage:
    python3 scripts/bench_embed_peers.py [--posts PATH] [--repetitions N] [--quick]
        [--engines sentence-transformers,onnxruntime-fp32,onnxruntime-int8] [--threads 1,2] [--batches 1,32]
        [--model-dir DIR] [--onnx PATH]

The ONNX model comes from scripts/export_onnx.py (MODEL_DIR/onnx/model.onnx).
scripts/bench-embed-peers.sh sets up the environment and runs both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# Offline, and tokenization single-threaded in both engines (the thread count under test
# is the compute library's; a Rust rayon pool sized to the machine would blur it).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import numpy as np  # noqa: E402

ENGINES = ("sentence-transformers", "onnxruntime-fp32", "onnxruntime-int8")
PROG = "bench_embed_peers"


from rumorcontrol_paths import default_model_dir  # noqa: E402


def default_posts() -> Path:
    env = os.environ.get("RUMORCONTROL_DEV_POSTS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    candidates = (here.parent.parent / "shared" / "eval" / "dev-posts.jsonl",  # shared/ beside the repo
                  here.parent / "shared" / "eval" / "dev-posts.jsonl")        # shared/ inside it
    for cand in candidates:
        if cand.is_file():
            return cand
    return candidates[0]


def die(msg: str) -> "NoReturn":  # type: ignore[name-defined]
    raise SystemExit(f"{PROG}: error: {msg}")


def load_posts(path: Path) -> list[str]:
    if not path.is_file():
        die(f"posts file {path} not found (pass --posts PATH)")
    texts = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                text = json.loads(line)["text"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                die(f"{path}:{lineno}: need a JSON object with 'text' ({exc})")
            if not isinstance(text, str):
                die(f"{path}:{lineno}: 'text' must be a string")
            texts.append(text)
    if not texts:
        die(f"{path} has no posts")
    return texts


def int_list(s: str) -> list[int]:
    try:
        vals = [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}")
    if not vals or any(v < 1 for v in vals):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {s!r}")
    return vals


def engine_list(s: str) -> list[str]:
    vals = [x.strip() for x in s.split(",") if x.strip()]
    aliases = {"st": "sentence-transformers", "torch": "sentence-transformers",
               "ort": "onnxruntime-fp32", "onnx": "onnxruntime-fp32", "onnxruntime": "onnxruntime-fp32"}
    vals = [aliases.get(v, v) for v in vals]
    bad = [v for v in vals if v not in ENGINES]
    if bad or not vals:
        raise argparse.ArgumentTypeError(f"unknown engine(s) {bad or s!r}; choose from {', '.join(ENGINES)}")
    return vals


def l2_normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


# --------------------------------------------------------------------------- engines


class SentenceTransformersEngine:
    name = "sentence-transformers"

    def __init__(self, model_dir: Path):
        import torch
        from sentence_transformers import SentenceTransformer

        self.torch = torch
        self.model = SentenceTransformer(str(model_dir), device="cpu")
        self.model.eval()
        self.threads = None

    def set_threads(self, n: int) -> None:
        self.torch.set_num_threads(n)
        self.threads = n

    def embed(self, texts: list[str], batch: int) -> np.ndarray:
        # encode() tokenizes (truncation at max_seq_length = 256), sorts by length,
        # batches, runs BERT, mean-pools and (here) L2-normalises.
        with self.torch.inference_mode():
            return self.model.encode(texts, batch_size=batch, show_progress_bar=False,
                                     convert_to_numpy=True, normalize_embeddings=True)

    def embed_one(self, text: str) -> np.ndarray:
        with self.torch.inference_mode():
            return self.model.encode([text], batch_size=1, show_progress_bar=False,
                                     convert_to_numpy=True, normalize_embeddings=True)


class OnnxRuntimeEngine:
    name = "onnxruntime-fp32"

    def __init__(self, model_dir: Path, onnx_path: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if not onnx_path.is_file():
            die(f"ONNX model {onnx_path} not found; run scripts/export_onnx.py first "
                f"(scripts/bench-embed-peers.sh does it for you)")
        self.ort = ort
        self.onnx_path = onnx_path
        st_cfg_path = model_dir / "sentence_bert_config.json"
        st_cfg = json.loads(st_cfg_path.read_text()) if st_cfg_path.is_file() else {}
        self.max_len = int(st_cfg.get("max_seq_length", 256))
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json ships padding to a fixed 128 and truncation at 128; use no padding
        # (each batch is padded to its own longest post below) and truncation at 256.
        tok.no_padding()
        tok.enable_truncation(max_length=self.max_len)
        self.tok = tok
        self.pad_id = 0
        self.sess = None
        self.threads = None

    def set_threads(self, n: int) -> None:
        ort = self.ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = n
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3
        self.sess = ort.InferenceSession(str(self.onnx_path), so, providers=["CPUExecutionProvider"])
        self.threads = n

    def _run(self, encs) -> np.ndarray:
        b = len(encs)
        t = max(len(e.ids) for e in encs)
        ids = np.full((b, t), self.pad_id, dtype=np.int64)
        mask = np.zeros((b, t), dtype=np.int64)
        for i, e in enumerate(encs):
            n = len(e.ids)
            ids[i, :n] = e.ids
            mask[i, :n] = 1
        hidden = self.sess.run(["last_hidden_state"], {
            "input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        m = mask.astype(np.float32)[:, :, None]
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        return l2_normalise(pooled)

    def embed(self, texts: list[str], batch: int) -> np.ndarray:
        encs = self.tok.encode_batch(texts)
        out = np.empty((len(texts), 384), dtype=np.float32)
        order = list(range(len(texts)))
        if batch > 1:  # longest first, so each batch pads to nearly its own length
            order.sort(key=lambda i: -len(encs[i].ids))
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            out[idx] = self._run([encs[i] for i in idx])
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self._run([self.tok.encode(text)])


class OnnxRuntimeInt8Engine(OnnxRuntimeEngine):
    name = "onnxruntime-int8"

    def __init__(self, model_dir: Path, onnx_path: Path):
        if not onnx_path.is_file():
            die(f"ONNX model {onnx_path} not found; run scripts/export_onnx.py first "
                f"(scripts/bench-embed-peers.sh does it for you)")
        quantized = onnx_path.with_name(onnx_path.stem + "-int8.onnx")
        if not quantized.is_file():
            from onnxruntime.quantization import QuantType, quantize_dynamic

            print(f"{PROG}: quantising {onnx_path} to {quantized}", file=sys.stderr)
            quantize_dynamic(str(onnx_path), str(quantized), weight_type=QuantType.QInt8, per_channel=True)
        super().__init__(model_dir, quantized)


# --------------------------------------------------------------------------- timing


def time_config(engine, texts: list[str], batch: int, repetitions: int) -> dict:
    n = len(texts)
    per_sentence_ms: list[float] = []
    rates: list[float] = []
    clock = time.perf_counter_ns

    def one_pass(record: bool) -> float:
        if batch == 1:
            t_start = clock()
            for text in texts:
                t0 = clock()
                engine.embed_one(text)
                if record:
                    per_sentence_ms.append((clock() - t0) / 1e6)
            return (clock() - t_start) / 1e9
        t0 = clock()
        engine.embed(texts, batch)
        return (clock() - t0) / 1e9

    one_pass(record=False)  # warm-up
    for _ in range(repetitions):
        rates.append(n / one_pass(record=True))
    result = {
        "engine": engine.name,
        "threads": engine.threads,
        "batch": batch,
        "sentences_per_s": round(statistics.median(rates), 2),
        "p50_ms": None,
        "p99_ms": None,
        "repetitions": repetitions,
    }
    if batch == 1 and per_sentence_ms:
        arr = np.asarray(per_sentence_ms)
        # nearest rank, as `rumorctl bench embed` computes them
        result["p50_ms"] = round(float(np.percentile(arr, 50, method="inverted_cdf")), 3)
        result["p99_ms"] = round(float(np.percentile(arr, 99, method="inverted_cdf")), 3)
    return result


class ForeignLoad:
    """CPU cores that other processes used while a configuration ran (from /proc/stat)."""

    def __init__(self):
        self.hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    @staticmethod
    def _busy() -> int | None:
        try:
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]  # user nice system irq softirq steal

    def start(self) -> None:
        self.t0, self.b0, self.o0 = time.perf_counter(), self._busy(), os.times()

    def cores(self) -> float | None:
        b1, o1, wall = self._busy(), os.times(), time.perf_counter() - self.t0
        if self.b0 is None or b1 is None or wall <= 0:
            return None
        own = (o1.user + o1.system) - (self.o0.user + self.o0.system)
        return max(0.0, ((b1 - self.b0) / self.hz - own) / wall)


def fmt(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=Path, default=default_posts(),
                    help="JSONL with a 'text' per line (default: %(default)s)")
    ap.add_argument("--repetitions", type=int, default=5, help="timed passes per configuration (default: 5)")
    ap.add_argument("--quick", action="store_true", help="one timed repetition (smoke test)")
    ap.add_argument("--engines", type=engine_list, default=list(ENGINES),
                    help=f"comma-separated, from {', '.join(ENGINES)} (default: both)")
    ap.add_argument("--threads", type=int_list, default=[1, 2], help="comma-separated (default: 1,2)")
    ap.add_argument("--batches", type=int_list, default=[1, 32], help="comma-separated (default: 1,32)")
    ap.add_argument("--model-dir", type=Path, default=default_model_dir(),
                    help="model directory (default: %(default)s)")
    ap.add_argument("--onnx", type=Path, default=None,
                    help="ONNX encoder (default: MODEL_DIR/onnx/model.onnx, from scripts/export_onnx.py)")
    args = ap.parse_args(argv)
    if args.quick:
        args.repetitions = 1
    if args.repetitions < 1:
        ap.error("--repetitions must be at least 1")

    missing = [n for n in ("config.json", "tokenizer.json", "model.safetensors")
               if not (args.model_dir / n).is_file()]
    if missing:
        die(f"model files missing in {args.model_dir} ({', '.join(missing)}); run scripts/fetch-model.sh "
            f"(or set RUMORCONTROL_MODEL_DIR / pass --model-dir)")
    onnx_path = args.onnx or (args.model_dir / "onnx" / "model.onnx")
    texts = load_posts(args.posts)

    import torch  # imported here so a bad environment fails after the argument checks

    # Interop threads can only be set before torch starts any parallel work.
    torch.set_num_interop_threads(1)

    engines = []
    for name in args.engines:
        if name == "sentence-transformers":
            engines.append(SentenceTransformersEngine(args.model_dir))
        elif name == "onnxruntime-int8":
            engines.append(OnnxRuntimeInt8Engine(args.model_dir, onnx_path))
        else:
            engines.append(OnnxRuntimeEngine(args.model_dir, onnx_path))

    import importlib.metadata as md

    def ver(pkg: str) -> str:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return "?"

    print(f"{PROG}: {len(texts)} posts from {args.posts}; model {args.model_dir}; "
          f"repetitions {args.repetitions}; cpus {os.cpu_count()}; "
          f"sentence-transformers {ver('sentence-transformers')}, torch {ver('torch')}, "
          f"onnxruntime {ver('onnxruntime')}", file=sys.stderr)
    try:
        load1 = os.getloadavg()[0]
    except OSError:
        load1 = 0.0
    if load1 > 0.5:
        print(f"{PROG}: warning: 1-minute load average is {load1:.2f} before the run; other work on "
              f"this machine skews the timings (the 2-thread ones most)", file=sys.stderr)

    # Parity: both engines' vectors for all posts (batch 32 path), before any timing.
    # Parity: every engine's vectors for all posts (batch 32 path) against the first engine's, before any timing.
    if len(engines) >= 2:
        for e in engines:
            e.set_threads(args.threads[0])
        a = engines[0].embed(texts, 32)
        for other in engines[1:]:
            b = other.embed(texts, 32)
            diff = float(np.abs(a - b).max())
            cos = float((a * b).sum(axis=1).min())
            print(f"{PROG}: parity {other.name} vs {engines[0].name} on {len(texts)} posts: "
                  f"max-abs diff {diff:.2e}, min cosine {cos:.7f}", file=sys.stderr)

    results, foreign = [], []
    load = ForeignLoad()
    for e in engines:
        for n in args.threads:
            e.set_threads(n)
            for b in args.batches:
                load.start()
                r = time_config(e, texts, b, args.repetitions)
                other = load.cores()
                results.append(r)
                foreign.append(other)
                print(json.dumps(r), flush=True)
                print(f"{PROG}: {r['engine']} threads={n} batch={b}: {r['sentences_per_s']:.1f} sentences/s"
                      + (f", p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms" if r["p50_ms"] is not None else "")
                      + (f" (other processes used {other:.2f} cores meanwhile)" if other is not None else ""),
                      file=sys.stderr, flush=True)

    header = (f"{'engine':<22} {'threads':>7} {'batch':>5} {'sentences/s':>12} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'reps':>4} {'other cpu':>9}")
    lines = [header, "-" * len(header)]
    for r, other in zip(results, foreign):
        flag = "  <- contended" if other is not None and other > 0.25 else ""
        lines.append(f"{r['engine']:<22} {r['threads']:>7} {r['batch']:>5} {r['sentences_per_s']:>12.1f} "
                     f"{fmt(r['p50_ms'], '.2f'):>8} {fmt(r['p99_ms'], '.2f'):>8} {r['repetitions']:>4} "
                     f"{fmt(other, '.2f'):>9}{flag}")
    print("\n".join(lines), file=sys.stderr)
    if any(o is not None and o > 0.25 for o in foreign):
        print(f"{PROG}: warning: other processes took CPU during the rows marked 'contended' "
              f"('other cpu' = cores they used on average); rerun those on a quiet machine", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
