//! Inside the office: units as a tree under each office, where each person is placed and whether
//! they may order, people standing in for others for a period, the office's files (แฟ้ม), and the
//! route of each received letter — the matter, its steps (who, when, to whom, the text, the routed
//! PDF's digest) and the tasks it gives people — plus each person's registered signature image and
//! the route step an event announces.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("units")
                .col(string("id").primary_key())
                .col(string("office_id"))
                .col(string_null("parent_id"))
                .col(string("code"))
                .col(string("name_th"))
                // `bureau`, `division`, `section` or `group` (domain::UnitKind).
                .col(string("kind"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_units_office_code")
                .table("units")
                .col("office_id")
                .col("code")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("placements")
                .col(string("user_id").primary_key())
                .col(string("office_id"))
                // None: placed at the office itself (its head and deputies).
                .col(string_null("unit_id"))
                // domain::Authority.
                .col(string("authority"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_placements_unit").table("placements").col("unit_id").to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table("stand_ins")
                .col(string("id").primary_key())
                .col(string("office_id"))
                .col(string("absent_user_id"))
                .col(string("stand_in_user_id"))
                // domain::StandInKind.
                .col(string("kind"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(string("set_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_stand_ins_stand_in")
                .table("stand_ins")
                .col("stand_in_user_id")
                .col("ends_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("folders")
                .col(string("id").primary_key())
                .col(string("office_id"))
                .col(string("code"))
                .col(string("name_th"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_folders_office_code")
                .table("folders")
                .col("office_id")
                .col("code")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("matters")
                .col(string("delivery_id").primary_key())
                .col(string("office_id"))
                .col(string("letter_id"))
                // domain::MatterState.
                .col(string("state"))
                // Steps taken so far: a step's conditional update on it makes racing steps lose cleanly.
                .col(integer("version"))
                // The latest routed copy: the received (stamped) PDF with every minute so far.
                .col(string("routed_sha256"))
                .col(string_null("folder_id"))
                .col(string_null("finished_by"))
                .col(timestamp_with_time_zone("opened_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_matters_office_state").table("matters").col("office_id").col("state").to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("route_steps")
                .col(string("id").primary_key())
                .col(string("delivery_id"))
                .col(string("office_id"))
                .col(integer("seq"))
                // domain::StepKind.
                .col(string("kind"))
                .col(string("actor_user_id"))
                .col(string("actor_name"))
                .col(string("actor_position"))
                // Set when the actor stood in for the person who held the task.
                .col(string_null("for_user_id"))
                .col(string_null("for_name"))
                .col(string_null("for_position"))
                .col(string_null("stand_in_kind"))
                .col(text_null("text"))
                // Who the step gave the matter to, as the timeline shows it ("นายก (หัวหน้า), กองกฎหมาย").
                .col(text_null("to_text"))
                .col(timestamp_with_time_zone_null("due_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(string_null("routed_sha256"))
                .col(string_null("answer_letter_id"))
                .col(string_null("folder_id"))
                // Comma-separated document ids attached to an `act` step.
                .col(text_null("documents"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_route_steps_seq")
                .table("route_steps")
                .col("delivery_id")
                .col("seq")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("route_tasks")
                .col(string("id").primary_key())
                .col(string("delivery_id"))
                .col(string("office_id"))
                .col(string("holder_user_id"))
                .col(string_null("unit_id"))
                // domain::TaskPurpose.
                .col(string("purpose"))
                .col(boolean("lead"))
                // Who gave the task: a return goes back to them.
                .col(string("given_by_user_id"))
                .col(timestamp_with_time_zone_null("due_at"))
                .col(string("opened_by_step"))
                .col(timestamp_with_time_zone("opened_at"))
                .col(string_null("closed_by_step"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(timestamp_with_time_zone_null("reminded_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_route_tasks_holder")
                .table("route_tasks")
                .col("holder_user_id")
                .col("closed_at")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("ix_route_tasks_delivery").table("route_tasks").col("delivery_id").to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_route_tasks_office")
                .table("route_tasks")
                .col("office_id")
                .col("closed_at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("signature_images")
                .col(string("user_id").primary_key())
                .col(string("sha256"))
                .col(string("media_type"))
                .col(timestamp_with_time_zone("uploaded_at"))
                .to_owned(),
        )
        .await?;

        m.alter_table(Table::alter().table("events").add_column(string_null("step_id")).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("events").drop_column("step_id").to_owned()).await?;
        for table in
            ["signature_images", "route_tasks", "route_steps", "matters", "folders", "stand_ins", "placements", "units"]
        {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
