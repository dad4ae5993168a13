from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guanai.accounts.models import User
from guanai.children.choices import MissingField
from guanai.core.errors import ApplicationError
from guanai.roster.importing import Action, import_roster
from guanai.roster.reading import COMMAND_MAX_BYTES
from guanai.roster.services import batch_import_now
from guanai.roster.templates import write_error_file


class Command(BaseCommand):
    help = (
        "Import a roster (.xlsx, .xls, .csv) as a user, with the same rules and scope as the "
        "web: rows are checked first; with --dry-run nothing is written, otherwise the valid "
        "rows are imported and the faulty ones listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="the importing user")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--errors", type=Path, help="write the faulty rows, with their faults, to this .xlsx"
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        username: str,
        dry_run: bool,
        errors: Path | None,
        **options: Any,
    ) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有启用的用户 {username}。")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取 {file}：{error.strerror}") from None

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"\r已处理 {done} / {total} 行", ending="")
            self.stderr.flush()

        try:
            if dry_run:
                plan = import_roster(
                    user=user,
                    data=data,
                    write=False,
                    progress=progress,
                    max_bytes=COMMAND_MAX_BYTES,
                )
            else:
                batch, report = batch_import_now(
                    user=user, file_name=file.name, data=data, echo=progress
                )
                if report is None:
                    raise CommandError(batch.message)
                plan = report
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stderr.write("")
        for warning in plan.warnings:
            self.stdout.write(self.style.WARNING(warning))
        for fault in plan.errors:
            self.stdout.write(f"第 {fault.row} 行 {fault.column}「{fault.value}」：{fault.message}")
        counts = plan.counts
        if errors is not None and counts[Action.ERROR]:
            with errors.open("wb") as handle:
                write_error_file(plan, handle)
            self.stdout.write(f"有错误的行已写入 {errors}，改正后可再次导入。")
        summary = (
            f"新增 {counts[Action.CREATE]}，更新 {counts[Action.UPDATE]}，"
            f"无变化 {counts[Action.UNCHANGED]}，有错误 {counts[Action.ERROR]}"
        )
        if plan.incomplete:
            fields = "、".join(
                f"{label} {plan.missing[code]}"
                for code, label in MissingField.choices
                if code in plan.missing
            )
            summary += f"；其中待补充 {plan.incomplete}（{fields}）"
        if dry_run:
            self.stdout.write(summary)
            self.stdout.write("试运行：没有写入任何数据。")
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入（批次 {batch.pk}）：{summary}。"))
