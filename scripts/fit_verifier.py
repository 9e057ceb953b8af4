#!/usr/bin/env python3
"""Fits the matcher's verification stage: a cross-encoder that reads a post and an entry's rumor together.

The cross-encoder is all-MiniLM-L6-v2 read as a sentence pair ([CLS] post [SEP] rumor [SEP], the rumor with token
type 1): its lower four layers stay as shipped, its top two layers and a linear head over the L2-normalised mean of
the final states are fine-tuned to say whether the post *asserts*, *denies* or is *unrelated to* the rumor. Only the
changed weights are written (top two layers and head, about 14 MB), so the verifier needs the English encoder's own
weights beside it.

Training pairs come from the training batches and the knowledge base (English texts only; Spanish posts go to the
cross-lingual stage):
- a claim or multi-claim post with each entry it claims: asserts; with its three nearest other entries: unrelated;
- a refutation with its nearest entry: denies; with the next two: unrelated;
- a trap, neutral or off-topic post with its two nearest entries: unrelated;
- an entry's English phrasings with it: asserts; its English corrections: denies.
"Nearest" is by the English encoder's cosine between the post and the entry (its rumor and phrasings).

    python3 scripts/fit_verifier.py fit --kb kb --train data/train-posts.jsonl ... --output verifier.safetensors
    python3 scripts/fit_verifier.py thresholds --verifier verifier.safetensors --veto-below 0.1 --promote-from 0.97 \
        --chosen-on "..."
    python3 scripts/fit_verifier.py reference --verifier verifier.safetensors --kb kb --posts P.jsonl --output F.jsonl

`reference` writes, for each post paired with the first entry it claims (or the first entry), the token ids and the
three probabilities computed in float64 with NumPy: the fixture the Swift verifier is checked against.

Needs: numpy, safetensors, tokenizers, and jax (for `fit` only).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rumorcontrol_paths import default_model_dir  # noqa: E402

LABELS = ["asserts", "denies", "unrelated"]
POST_TOKENS = 112   # wordpieces of the post kept, before [CLS] and [SEP]
RUMOR_TOKENS = 64   # wordpieces of the rumor kept, before its [SEP]
FIRST_TUNED_LAYER = 4
LAYERS = 6
HIDDEN, HEADS, HEAD = 384, 12, 32
EPS = 1e-12
CLS, SEP = 101, 102

SPANISH_WORDS = set("""el los las del que y por para con una es se sin hay fue hubo sus al lo más pero votos boletas elección
elecciones muertos votaron están esto eso esta ese como nos ya muy también porque cuando donde todo todos nada nadie aquí fraude
mi su le les""".split())
ENGLISH_WORDS = set("the of and to in was were is a that for on with they it by this are be have".split())


def reads_as_spanish(text: str) -> bool:
    """The Swift matcher's CrossLingualStage.readsAsSpanish."""
    import re
    words = [w for w in re.split(r"[^\w]|[\d_]", text.lower()) if w]
    spanish = sum(1 for w in words if w in SPANISH_WORDS)
    english = sum(1 for w in words if w not in SPANISH_WORDS and w in ENGLISH_WORDS)
    letter = any(c in "áéíóúñ¿¡" for c in text.lower())
    return (spanish >= 2 and 2 * spanish >= english) or (spanish >= 1 and letter)


class Encoder:
    """all-MiniLM-L6-v2's weights and tokenizer."""

    def __init__(self, model_dir: Path):
        for name in ("tokenizer.json", "model.safetensors"):
            if not (model_dir / name).is_file():
                raise SystemExit(f"fit_verifier: {model_dir / name} not found; run scripts/fetch-model.sh (or pass --model-dir).")
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        raw = load_file(str(model_dir / "model.safetensors"))
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in raw else ""
        self.w = {k[len(prefix):]: v for k, v in raw.items() if k.startswith(prefix) and v.dtype == np.float32}
        self.sha256 = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()

    def pieces(self, text: str, limit: int) -> list[int]:
        ids = self.tokenizer.encode(text, add_special_tokens=False).ids
        return list(ids[:limit])

    def pair(self, post: str, rumor: str) -> tuple[list[int], int]:
        """Token ids of the pair and where the rumor's segment starts."""
        first = [CLS] + self.pieces(post, POST_TOKENS) + [SEP]
        return first + self.pieces(rumor, RUMOR_TOKENS) + [SEP], len(first)

    def single(self, text: str) -> list[int]:
        return [CLS] + self.pieces(text, 254) + [SEP]


def numpy_forward(w: dict, ids: list[int], second: int, tuned: dict | None, dtype=np.float64) -> np.ndarray:
    """The pair's final states' L2-normalised mean, in NumPy (the reference); `tuned` replaces the top layers."""
    n = len(ids)
    g = lambda k: (tuned[k] if tuned is not None and k in tuned else w[k]).astype(dtype)  # noqa: E731
    types = np.array([0] * second + [1] * (n - second))
    x = g("embeddings.word_embeddings.weight")[ids] + g("embeddings.position_embeddings.weight")[:n] \
        + g("embeddings.token_type_embeddings.weight")[types]

    def ln(x, name):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + EPS) * g(name + ".weight") + g(name + ".bias")

    def dense(x, name):
        return x @ g(name + ".weight").T + g(name + ".bias")

    from scipy.special import erf as verf
    x = ln(x, "embeddings.LayerNorm")
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        q, k, v = (dense(x, p + f"attention.self.{t}").reshape(n, HEADS, HEAD).transpose(1, 0, 2) for t in ("query", "key", "value"))
        s = q @ k.transpose(0, 2, 1) / np.sqrt(HEAD)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
        x = ln(dense(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        h = dense(x, p + "intermediate.dense")
        h = 0.5 * h * (1 + verf(h / np.sqrt(2)))
        x = ln(dense(h, p + "output.dense") + x, p + "output.LayerNorm")
    pooled = x.mean(0)
    return pooled / max(np.linalg.norm(pooled), 1e-12)


def read_entries(kb: Path) -> list[dict]:
    entries = []
    for path in sorted(kb.glob("*.json")):
        if path.name == "entry.schema.json":
            continue
        entry = json.loads(path.read_text())
        if entry.get("status", "published") in ("retracted",):
            continue
        entries.append(entry)
    if not entries:
        raise SystemExit(f"fit_verifier: no entries in {kb}")
    return entries


def read_posts(paths: list[Path]) -> list[dict]:
    posts = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                post = json.loads(line)
            except json.JSONDecodeError as error:
                raise SystemExit(f"fit_verifier: {path}:{number}: not JSON ({error})")
            posts.append(post)
    return posts


def fit(args) -> int:
    import jax
    import jax.numpy as jnp

    encoder = Encoder(args.model_dir)
    w = encoder.w
    entries = read_entries(args.kb)
    slugs = [e["slug"] for e in entries]
    index = {s: i for i, s in enumerate(slugs)}
    posts = [p for p in read_posts(args.train) if not reads_as_spanish(p["text"])]
    print(f"fit_verifier: {len(entries)} entries, {len(posts)} English training posts", file=sys.stderr)

    # --- the frozen encoder in JAX, padded batches with a mask ---
    jw = {k: jnp.asarray(v) for k, v in w.items()}

    def layer_fn(p, x, mask):
        b, t, _ = x.shape
        def dense(x, name):
            return x @ p[name + ".weight"].T + p[name + ".bias"]
        def ln(x, name):
            m = x.mean(-1, keepdims=True)
            v = ((x - m) ** 2).mean(-1, keepdims=True)
            return (x - m) / jnp.sqrt(v + EPS) * p[name + ".weight"] + p[name + ".bias"]
        q, k, v = (dense(x, f"attention.self.{n}").reshape(b, t, HEADS, HEAD).transpose(0, 2, 1, 3) for n in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(HEAD) + jnp.where(mask[:, None, None, :], 0.0, -1e9)
        s = jax.nn.softmax(s, axis=-1)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b, t, HIDDEN)
        x = ln(dense(ctx, "attention.output.dense") + x, "attention.output.LayerNorm")
        h = jax.nn.gelu(dense(x, "intermediate.dense"), approximate=False)
        return ln(dense(h, "output.dense") + x, "output.LayerNorm")

    def layer_params(src, i):
        p = f"encoder.layer.{i}."
        return {k[len(p):]: v for k, v in src.items() if k.startswith(p)}

    frozen = [layer_params(jw, i) for i in range(FIRST_TUNED_LAYER)]

    @jax.jit
    def bottom(ids, types, mask):
        t = ids.shape[1]
        x = jw["embeddings.word_embeddings.weight"][ids] + jw["embeddings.position_embeddings.weight"][:t][None] \
            + jw["embeddings.token_type_embeddings.weight"][types]
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        x = (x - m) / jnp.sqrt(v + EPS) * jw["embeddings.LayerNorm.weight"] + jw["embeddings.LayerNorm.bias"]
        for p in frozen:
            x = layer_fn(p, x, mask)
        return x

    def pooled(x, mask):
        s = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return s / jnp.maximum(jnp.linalg.norm(s, axis=-1, keepdims=True), 1e-12)

    top_params = {f"encoder.layer.{i}.{k}": v for i in range(FIRST_TUNED_LAYER, LAYERS) for k, v in layer_params(jw, i).items()}

    @jax.jit
    def top(params, x, mask):
        for i in range(FIRST_TUNED_LAYER, LAYERS):
            x = layer_fn(layer_params(params, i), x, mask)
        return pooled(x, mask)

    def padded(seqs):
        t = max(len(s[0]) for s in seqs)
        t = (t + 15) // 16 * 16
        ids = np.zeros((len(seqs), t), np.int32)
        types = np.zeros((len(seqs), t), np.int32)
        mask = np.zeros((len(seqs), t), bool)
        for r, (s, second) in enumerate(seqs):
            ids[r, :len(s)] = s
            types[r, second:len(s)] = 1
            mask[r, :len(s)] = True
        return ids, types, mask

    def embed_singles(texts):
        out = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result = [None] * len(texts)
        for start in range(0, len(order), 64):
            chunk = order[start:start + 64]
            ids, types, mask = padded([(encoder.single(texts[i]), 10 ** 6) for i in chunk])
            types[:] = 0
            v = np.asarray(top(top_params, bottom(ids, types, mask), jnp.asarray(mask)))
            for i, row in zip(chunk, v):
                result[i] = row
        return np.stack(result)

    # --- nearest entries by the shipped encoder ---
    started = time.time()
    entry_texts = [[e["rumor"]] + [p for p in e.get("phrasings", []) if not reads_as_spanish(p)] for e in entries]
    flat = [t for ts in entry_texts for t in ts]
    vectors = embed_singles(flat)
    centres, at = [], 0
    for ts in entry_texts:
        c = vectors[at:at + len(ts)].mean(0)
        centres.append(c / np.linalg.norm(c))
        at += len(ts)
    centres = np.stack(centres)
    post_vectors = embed_singles([p["text"] for p in posts])
    print(f"fit_verifier: embedded entries and posts in {time.time() - started:.0f} s", file=sys.stderr)

    pairs = []  # (text, entry index, label, group)
    for n, post in enumerate(posts):
        order = list(np.argsort(-(centres @ post_vectors[n])))
        claimed = [index[s] for s in post.get("claims", []) if s in index]
        kind = post.get("kind", "")
        group = f"post{n}"
        if claimed:
            for c in claimed:
                pairs.append((post["text"], c, 0, group))
            for c in [o for o in order if o not in claimed][:3]:
                pairs.append((post["text"], c, 2, group))
        elif kind == "refutation":
            pairs.append((post["text"], order[0], 1, group))
            for c in order[1:3]:
                pairs.append((post["text"], c, 2, group))
        else:
            for c in order[:2]:
                pairs.append((post["text"], c, 2, group))
    for e, entry in enumerate(entries):
        for text in entry.get("phrasings", []):
            if not reads_as_spanish(text):
                pairs.append((text, e, 0, f"kb{e}"))
        for text in entry.get("corrections", []):
            if not reads_as_spanish(text):
                pairs.append((text, e, 1, f"kb{e}"))
    counts = [sum(1 for p in pairs if p[2] == k) for k in range(3)]
    print(f"fit_verifier: {len(pairs)} pairs ({', '.join(f'{c} {l}' for c, l in zip(counts, LABELS))})", file=sys.stderr)

    rng = random.Random(args.seed)
    groups = sorted({p[3] for p in pairs})
    rng.shuffle(groups)
    held = set(groups[: len(groups) // 10])
    train = [p for p in pairs if p[3] not in held]
    valid = [p for p in pairs if p[3] in held]

    # --- the frozen layers' states, once ---
    def batches(items, size, shuffle):
        items = sorted(items, key=lambda p: len(p[0]))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        if shuffle:
            rng.shuffle(chunks)
        return chunks

    def prepare(items, size, shuffle):
        prepared = []
        for chunk in batches(items, size, shuffle):
            seqs = [encoder.pair(text, entries[e]["rumor"]) for text, e, _, _ in chunk]
            ids, types, mask = padded(seqs)
            prepared.append((np.asarray(bottom(ids, types, mask)), mask, np.array([p[2] for p in chunk], np.int32)))
        return prepared

    started = time.time()
    train_batches = prepare(train, args.batch, True)
    valid_batches = prepare(valid, 64, False)
    print(f"fit_verifier: {len(train)} training and {len(valid)} validation pairs through the frozen layers in "
          f"{time.time() - started:.0f} s", file=sys.stderr)

    weights_for_class = np.array([len(train) / (3 * max(1, sum(1 for p in train if p[2] == k))) for k in range(3)], np.float32)
    params = dict(top_params)
    params["classifier.weight"] = jnp.asarray(np.random.default_rng(args.seed).normal(0, 0.02, (3, HIDDEN)).astype(np.float32))
    params["classifier.bias"] = jnp.zeros(3, jnp.float32)
    class_weights = jnp.asarray(weights_for_class)

    def logits_fn(params, x, mask):
        v = top(params, x, mask)
        return args.head_scale * v @ params["classifier.weight"].T + params["classifier.bias"]

    def loss_fn(params, x, mask, y):
        logp = jax.nn.log_softmax(logits_fn(params, x, mask))
        picked = jnp.take_along_axis(logp, y[:, None], 1)[:, 0]
        wt = class_weights[y]
        return -(picked * wt).sum() / wt.sum()

    grad_fn = jax.jit(jax.value_and_grad(loss_fn))
    predict = jax.jit(logits_fn)
    m = {k: jnp.zeros_like(v) for k, v in params.items()}
    s = {k: jnp.zeros_like(v) for k, v in params.items()}
    steps_total = args.epochs * len(train_batches)

    @jax.jit
    def adam(params, m, s, grads, step, lr_scale):
        b1, b2 = 0.9, 0.999
        new_p, new_m, new_s = {}, {}, {}
        for k in params:
            lr = (args.head_lr if k.startswith("classifier") else args.lr) * lr_scale
            new_m[k] = b1 * m[k] + (1 - b1) * grads[k]
            new_s[k] = b2 * s[k] + (1 - b2) * grads[k] ** 2
            mh = new_m[k] / (1 - b1 ** step)
            sh = new_s[k] / (1 - b2 ** step)
            new_p[k] = params[k] - lr * (mh / (jnp.sqrt(sh) + 1e-8) + args.weight_decay * params[k])
        return new_p, new_m, new_s

    def accuracy(params):
        right, total, confusion = 0, 0, np.zeros((3, 3), int)
        for x, mask, y in valid_batches:
            guess = np.asarray(predict(params, x, jnp.asarray(mask))).argmax(1)
            for a, b in zip(y, guess):
                confusion[a, b] += 1
        return np.trace(confusion) / confusion.sum(), confusion

    step = 0
    started = time.time()
    for epoch in range(args.epochs):
        total = 0.0
        for x, mask, y in train_batches:
            step += 1
            warm = min(1.0, step / max(1, steps_total // 10))
            decay = max(0.0, (steps_total - step) / max(1, steps_total - steps_total // 10))
            loss, grads = grad_fn(params, x, jnp.asarray(mask), jnp.asarray(y))
            params, m, s = adam(params, m, s, grads, step, min(warm, decay))
            total += float(loss)
        acc, confusion = accuracy(params)
        print(f"fit_verifier: epoch {epoch + 1}/{args.epochs}: loss {total / len(train_batches):.4f}, validation accuracy "
              f"{acc:.3f} ({time.time() - started:.0f} s)\n  confusion (rows true {LABELS}): {confusion.tolist()}", file=sys.stderr)

    out = {k: np.asarray(v, np.float32) for k, v in params.items()}
    out["classifier.weight"] = out["classifier.weight"] * np.float32(args.head_scale)
    metadata = {
        "labels": ",".join(LABELS),
        "first_tuned_layer": str(FIRST_TUNED_LAYER),
        "post_tokens": str(POST_TOKENS),
        "rumor_tokens": str(RUMOR_TOKENS),
        "base_model_sha256": encoder.sha256,
        "validation_accuracy": f"{acc:.4f}",
        "fitted_on": ",".join(str(p) for p in args.train),
        "pairs": str(len(pairs)),
        "epochs": str(args.epochs),
    }
    save_file(out, str(args.output), metadata=metadata)
    print(f"fit_verifier: wrote {args.output}", file=sys.stderr)
    return 0


def reference(args) -> int:
    encoder = Encoder(args.model_dir)
    tuned = load_file(str(args.verifier))
    entries = {e["slug"]: e for e in read_entries(args.kb)}
    first = next(iter(entries.values()))
    with open(args.output, "w") as out:
        for posts in args.posts:
            for post in read_posts([posts]):
                claimed = [s for s in post.get("claims", []) if s in entries]
                entry = entries[claimed[0]] if claimed else first
                ids, second = encoder.pair(post["text"], entry["rumor"])
                v = numpy_forward(encoder.w, ids, second, tuned)
                logits = tuned["classifier.weight"].astype(np.float64) @ v + tuned["classifier.bias"].astype(np.float64)
                p = np.exp(logits - logits.max())
                p /= p.sum()
                out.write(json.dumps({"id": post.get("id"), "post": post["text"], "slug": entry["slug"], "ids": ids,
                                      "segment": second, "probabilities": [round(float(x), 8) for x in p]}) + "\n")
    return 0


def thresholds(args) -> int:
    from safetensors import safe_open
    with safe_open(str(args.verifier), "np") as f:
        metadata = dict(f.metadata() or {})
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    if not 0 <= args.veto_below <= 1 or args.promote_from < args.veto_below:
        raise SystemExit("fit_verifier: --veto-below is a probability, at most --promote-from")
    metadata["veto_below"] = repr(args.veto_below)
    metadata["promote_from"] = repr(args.promote_from)
    metadata["thresholds_chosen_on"] = args.chosen_on
    save_file(tensors, str(args.output or args.verifier), metadata=metadata)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fine-tune the verifier")
    f.add_argument("--kb", type=Path, default=Path("kb"))
    f.add_argument("--train", type=Path, action="append", required=True)
    f.add_argument("--output", type=Path, required=True)
    f.add_argument("--model-dir", type=Path, default=default_model_dir())
    f.add_argument("--epochs", type=int, default=3)
    f.add_argument("--batch", type=int, default=32)
    f.add_argument("--lr", type=float, default=5e-5)
    f.add_argument("--head-lr", type=float, default=2e-3)
    f.add_argument("--head-scale", type=float, default=10.0)
    f.add_argument("--weight-decay", type=float, default=0.01)
    f.add_argument("--seed", type=int, default=7)
    r = sub.add_parser("reference", help="write the Swift verifier's test fixture")
    r.add_argument("--verifier", type=Path, required=True)
    r.add_argument("--kb", type=Path, default=Path("kb"))
    r.add_argument("--posts", type=Path, action="append", required=True)
    r.add_argument("--output", type=Path, required=True)
    r.add_argument("--model-dir", type=Path, default=default_model_dir())
    t = sub.add_parser("thresholds", help="write the matcher's thresholds into a verifier's metadata")
    t.add_argument("--verifier", type=Path, required=True)
    t.add_argument("--veto-below", type=float, required=True)
    t.add_argument("--promote-from", type=float, required=True)
    t.add_argument("--chosen-on", required=True, help="what the thresholds were chosen on, kept in the metadata")
    t.add_argument("--output", type=Path, help="default: rewrite --verifier")
    args = parser.parse_args(argv)
    return {"fit": fit, "reference": reference, "thresholds": thresholds}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
