"""Nightly cleanup of the staging stacks (written by a person; the editor tests add to it as an
AI would)."""
import boto3


def staging_stacks(region):
    cf = boto3.client("cloudformation", region_name=region)
    summaries = cf.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"]
    return [s["StackName"] for s in summaries if s["StackName"].startswith("staging-")]
