"""A minimal RLM loop (paper Algorithm 1, paper-era message layout) for testing the scripted LLM's solver.

It is not the product's engine: it exists so tests can check that the Python the solver writes really runs and
answers correctly, with `llm_query_batched` and `rlm_query` calling back into the scripted server over HTTP.

usage: python3 mini_rlm.py --base-url URL --model M --sub-model S --question Q --context-file F
                           [--context-format text|json] [--max-iterations N] [--max-depth D] [--api-key K]
Prints one JSON object: answer, final_source, iterations, root_calls, sub_calls, child_runs, max_depth_seen.
"""
import argparse
import concurrent.futures
import contextlib
import io
import json
import re
import threading
import traceback
import urllib.error
import urllib.request

SYSTEM = (
    "You are tasked with answering a query with associated context. You can access, transform, and analyze this "
    "context interactively in a REPL environment that can recursively query sub-LLMs. The REPL has: `context`; "
    "`llm_query(prompt)`; `llm_query_batched(prompts)`; `rlm_query(prompt, context=None)`; `print()`. Write code in "
    "```repl blocks. When done, answer with FINAL(your answer) or FINAL_VAR(variable_name), NOT in code."
)
REPL_BLOCK = re.compile(r"```repl\s*\n(.*?)\n```", re.DOTALL)
FINAL_VAR_TEXT = re.compile(r"^\s*FINAL_VAR\((.*?)\)", re.MULTILINE | re.DOTALL)
FINAL_TEXT = re.compile(r"^\s*FINAL\((.*)\)\s*$", re.MULTILINE)
MAX_OUTPUT = 20000

stats_lock = threading.Lock()
stats = {"root_calls": 0, "sub_calls": 0, "child_runs": 0, "max_depth_seen": 0}


def bump(key, value=1):
    with stats_lock:
        stats[key] += value


class Client:
    def __init__(self, base_url, api_key):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.api_key = api_key

    def chat(self, model, messages):
        body = json.dumps({"model": model, "messages": messages}).encode()
        req = urllib.request.Request(self.url, data=body, method="POST")
        req.add_header("content-type", "application/json")
        if self.api_key:
            req.add_header("authorization", "Bearer " + self.api_key)
        try:
            with urllib.request.urlopen(req, timeout=120) as res:
                data = json.load(res)
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"HTTP {e.code}: {e.read().decode(errors='replace')[:300]}") from None
        return data["choices"][0]["message"]["content"] or ""


class Rlm:
    def __init__(self, client, args):
        self.client = client
        self.args = args

    def sub(self, prompt):
        bump("sub_calls")
        try:
            return self.client.chat(self.args.sub_model, [{"role": "user", "content": str(prompt)}])
        except Exception as e:  # a failed sub-call becomes a string the root can read
            return f"[ERROR] {e}"

    def run(self, question, context, depth):
        with stats_lock:
            stats["max_depth_seen"] = max(stats["max_depth_seen"], depth)
        final = {}
        ns = {"context": context, "answer": {"content": "", "ready": False}}

        def final_var(name):
            value = ns.get(name, name) if isinstance(name, str) else name
            final["value"] = str(value)
            return final["value"]

        def rlm_query(prompt, context=None):
            if depth + 1 < self.args.max_depth:
                bump("child_runs")
                return self.run(str(prompt), prompt if context is None else context, depth + 1)
            return self.sub(str(prompt) if context is None else f"{prompt}\n\n{context}")

        def batched(prompts, model=None):
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                return list(pool.map(self.sub, prompts))

        ns.update(
            llm_query=lambda p, model=None: self.sub(p),
            llm_query_batched=batched,
            rlm_query=rlm_query,
            rlm_query_batched=lambda ps, contexts=None: [rlm_query(p, c) for p, c in zip(ps, contexts or [None] * len(ps))],
            FINAL_VAR=final_var,
        )
        kind = type(context).__name__
        history = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Your context is a {kind} with {len(context)} total characters."},
        ]
        for i in range(self.args.max_iterations):
            lead = (
                "You have not interacted with the REPL environment or seen your prompt / context yet. Your next action "
                "should be to look through and figure out how to answer the prompt, so don't just provide a final answer yet.\n\n"
                if i == 0
                else "The history before is your previous interactions with the REPL environment. "
            )
            turn = {"role": "user", "content": lead + f'Think step-by-step on what to do using the REPL environment (which contains the context) to answer the original prompt: "{question}". Your next action:'}
            bump("root_calls")
            response = self.client.chat(self.args.model, history + [turn])
            history.append({"role": "assistant", "content": response})
            for code in REPL_BLOCK.findall(response):
                out = io.StringIO()
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                    try:
                        exec(code.strip(), ns)
                    except Exception as e:
                        out.write(f"\n{type(e).__name__}: {e}\n{traceback.format_exc(limit=1)}")
                text = out.getvalue() or "No output"
                if len(text) > MAX_OUTPUT:
                    text = text[:MAX_OUTPUT] + f"... + [{len(text) - MAX_OUTPUT} chars...]"
                history.append({"role": "user", "content": f"Code executed:\n```python\n{code}\n```\n\nREPL output:\n{text}"})
            if "value" in final:
                return self.done(final["value"], "code", i, depth)
            if ns["answer"].get("ready"):
                return self.done(str(ns["answer"]["content"]), "dict", i, depth)
            m = FINAL_VAR_TEXT.search(response)
            if m:
                name = m.group(1).strip().strip("'\"")
                if name in ns:
                    return self.done(str(ns[name]), "final_var", i, depth)
            m = FINAL_TEXT.search(response)
            if m:
                return self.done(m.group(1).strip(), "final", i, depth)
        bump("root_calls")
        history.append({"role": "user", "content": "Please provide a final answer to the user's question based on the information provided."})
        response = self.client.chat(self.args.model, history)
        m = FINAL_TEXT.search(response)
        return self.done(m.group(1).strip() if m else response, "forced", self.args.max_iterations, depth)

    def done(self, value, source, iterations, depth):
        if depth == 0:
            self.result = {"answer": value, "final_source": source, "iterations": iterations + 1}
        return value


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--sub-model", required=True)
    p.add_argument("--question", required=True)
    p.add_argument("--context-file", required=True)
    p.add_argument("--context-format", default="text", choices=["text", "json"])
    p.add_argument("--max-iterations", type=int, default=8)
    p.add_argument("--max-depth", type=int, default=1)
    p.add_argument("--api-key", default="")
    args = p.parse_args()
    with open(args.context_file, encoding="utf-8") as f:
        context = json.load(f) if args.context_format == "json" else f.read()
    rlm = Rlm(Client(args.base_url, args.api_key), args)
    rlm.run(args.question, context, 0)
    print(json.dumps({**rlm.result, **stats}))


if __name__ == "__main__":
    main()
