"""Runs the composite action in action.yml the way a GitHub runner does, on this machine: each
step's `${{ ... }}` expressions evaluated from the inputs and a github context, its `env` set,
its `run` executed with bash in the workspace, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_PATH
files given, and the action's outputs read from the step outputs. A `uses:` step (the SARIF
upload) is not run: its `with` values are evaluated and returned, so the caller checks what it
would upload.

Usage: run_action.py ACTION_DIR WORKSPACE JSON_INPUTS JSON_GITHUB_CONTEXT
Prints one JSON object: {"exit": N, "failed_step": name|null, "outputs": {...},
"step_outputs": {...}, "uses": [...], "summary": "...", "log": "..."}.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def lookup(path, ctx):
    value = ctx
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return ""
    return value


def evaluate(expr, ctx):
    """The subset of GitHub's expression language the action uses: context paths, string
    literals, `!=`/`==`, `&&`, `always()`."""
    expr = expr.strip()
    if "&&" in expr:
        return all(truthy(evaluate(e, ctx)) for e in expr.split("&&"))
    for op in ("!=", "=="):
        if op in expr:
            left, right = (evaluate(e, ctx) for e in expr.split(op, 1))
            return (str(left) != str(right)) if op == "!=" else (str(left) == str(right))
    if expr == "always()":
        return True
    if expr.startswith("'") and expr.endswith("'"):
        return expr[1:-1]
    return lookup(expr, ctx)


def truthy(v):
    return v not in ("", None, False, 0)


def substitute(text, ctx):
    return EXPR.sub(lambda m: str(evaluate(m.group(1), ctx)), str(text))


def read_outputs(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                out[k] = v
    return out


def main():
    action_dir, workspace, inputs_json, github_json = sys.argv[1:5]
    with open(os.path.join(action_dir, "action.yml"), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    given = json.loads(inputs_json)
    inputs = {k: str(v.get("default", "")) for k, v in action.get("inputs", {}).items()}
    unknown = set(given) - set(inputs)
    if unknown:
        raise SystemExit(f"inputs the action does not declare: {sorted(unknown)}")
    inputs.update(given)
    github = json.loads(github_json)
    temp = tempfile.mkdtemp()
    files = {n: os.path.join(temp, n) for n in ("output", "summary", "path")}
    for p in files.values():
        open(p, "w").close()
    ctx = {"inputs": inputs, "github": github, "steps": {}}
    result = {"exit": 0, "failed_step": None, "uses": [], "log": ""}
    failed = False
    for step in action["runs"]["steps"]:
        condition = step.get("if")
        if condition is not None:
            run_it = truthy(evaluate(condition, ctx))
        else:
            run_it = not failed
        if not run_it:
            continue
        if "uses" in step:
            result["uses"].append(
                {"uses": step["uses"], "with": {k: substitute(v, ctx) for k, v in step.get("with", {}).items()}}
            )
            continue
        open(files["output"], "w").close()
        env = dict(os.environ)
        extra_path = open(files["path"]).read().split()
        if extra_path:
            env["PATH"] = os.pathsep.join(extra_path + [env["PATH"]])
        env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTION_PATH": action_dir,
                "GITHUB_OUTPUT": files["output"],
                "GITHUB_STEP_SUMMARY": files["summary"],
                "GITHUB_PATH": files["path"],
                "RUNNER_TEMP": temp,
                "GITHUB_BASE_REF": str(github.get("base_ref", "")),
            }
        )
        env.update({k: substitute(v, ctx) for k, v in step.get("env", {}).items()})
        proc = subprocess.run(
            ["bash", "-e", "-c", substitute(step["run"], ctx)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
        )
        result["log"] += f"--- {step.get('name')}\n{proc.stdout}{proc.stderr}"
        if "id" in step:
            ctx["steps"][step["id"]] = {"outputs": read_outputs(files["output"])}
        if proc.returncode != 0 and not failed:
            failed = True
            result["exit"] = proc.returncode
            result["failed_step"] = step.get("name")
    result["outputs"] = {k: substitute(v["value"], ctx) for k, v in action.get("outputs", {}).items()}
    result["step_outputs"] = {k: v["outputs"] for k, v in ctx["steps"].items()}
    result["summary"] = open(files["summary"]).read()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
