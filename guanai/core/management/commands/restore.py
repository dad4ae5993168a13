from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from guanai.core.backup import ENGINE_NAMES, backup_check, restore_database
from guanai.core.management.base import ServiceCommand


class Command(ServiceCommand):
    help = (
        "Replace the whole database with an encrypted backup made by `manage.py backup`. "
        "The file is decrypted and checked in full before the database is touched. Stop the "
        "server first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="the backup file to restore")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args: Any, source: Path, interactive: bool, **options: Any) -> None:
        info = backup_check(source)
        created = timezone.localtime(info.created).strftime("%Y-%m-%d %H:%M:%S")
        if interactive:
            answer = input(
                f"将用 {created} 的备份替换 {ENGINE_NAMES[info.engine]} 数据库 "
                f"{connection.settings_dict['NAME']} 中的全部数据，现有数据将丢失。\n"
                "输入 yes 继续，其他任何输入取消："
            )
            if answer.strip().lower() != "yes":
                raise CommandError("已取消恢复，数据库未改动。")
        restore_database(source, progress=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"已从 {created} 的备份恢复数据库。如果备份来自较早的版本，请再运行 "
                "python manage.py migrate。"
            )
        )
