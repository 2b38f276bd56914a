# Shared by the real-editor tests: paths, retries, a scratch copy of the bundled example.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${AIGIS_BIN:-$root/target/debug/aigis}
tools=$root/target/editors
mkdir -p "$tools" "$root/target/artifacts"

retry() {
  local n=1
  until "$@"; do
    if [ "$n" -ge 5 ]; then
      echo "retry: '$*' failed $n times" >&2
      return 1
    fi
    echo "retry: '$*' failed (attempt $n); retrying" >&2
    sleep $((n * 5))
    n=$((n + 1))
  done
}

# Waits for an event (a command that succeeds), polling, for at most $WAIT_SECONDS (90) s.
wait_until() {
  local deadline=$((SECONDS + ${WAIT_SECONDS:-90}))
  until "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.2
  done
}

# A copy of examples/incident in a git repository with an identity, so reviews have a requester.
scratch_example() {
  local dir
  dir=$(mktemp -d)
  cp -r "$root/examples/incident" "$dir/"
  git -C "$dir/incident" init -q
  git -C "$dir/incident" config user.name "Bob Builder"
  git -C "$dir/incident" config user.email "bob@example.com"
  # AIGIS_TEST_BREAK=1: no ledger, so the server publishes no risky diagnostic. The tests must
  # then fail; this is how to check they can.
  if [ "${AIGIS_TEST_BREAK:-}" = 1 ]; then
    rm -rf "$dir/incident/.aigis"
  fi
  echo "$dir/incident"
}

# An agent's edit to the example's Python script, recorded by its hook: a function that deletes a
# CloudFormation stack (lines 12-14), so the editor shows a risky diagnostic in a Python file.
# An agent's Terraform file (its hook recorded the region): a bucket destroyed with its objects.
terraform_agent_region() {
  local work=$1
  mkdir -p "$work/infra"
  printf '%s\n' 'resource "aws_s3_bucket" "logs" {' '  bucket        = "logs"' '  force_destroy = true' '}' > "$work/infra/main.tf"
  echo "{\"tool\": \"codex\", \"cwd\": \"$work\", \"files\": [{\"path\": \"infra/main.tf\", \"lines\": [[1, 4]]}]}" \
    | (cd "$work" && "$bin" record --agent generic)
}

python_agent_region() {
  local work=$1
  cat >> "$work/scripts/cleanup.py" <<'PY'


def recreate(name):
    cf = boto3.client("cloudformation")
    cf.delete_stack(StackName=name)
PY
  echo "{\"tool\": \"codex\", \"cwd\": \"$work\", \"files\": [{\"path\": \"scripts/cleanup.py\", \"lines\": [[12, 14]]}]}" \
    | (cd "$work" && "$bin" record --agent generic)
}
