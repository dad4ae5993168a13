import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from guanai.core.management.base import ServiceCommand
from guanai.demo.care import LIGHT, CareVolume, demo_care_generate
from guanai.demo.children import DEFAULT_SEED, demo_children_count, demo_children_generate
from guanai.demo.services import DEMO_PASSWORD, demo_load

DEFAULT_CHILDREN = 43600  # the seeds: 旺苍县 counted 43 614 left-behind children
PROGRESS_EVERY = 50_000


class Command(ServiceCommand):
    help = (
        "Build the demo (default 旺苍县 510821): areas, schools, one user per role, and "
        "--children demo children over the villages. Idempotent: areas, schools and users are "
        "kept, and if the area already holds children no more are made. --county may name a "
        "province or city too; the users are then bound to its first county."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--county",
            default="510821",
            help="province, city or county code (default 510821 旺苍县)",
        )
        parser.add_argument(
            "--children",
            type=int,
            default=DEFAULT_CHILDREN,
            help=f"how many children to make (default {DEFAULT_CHILDREN}; 0 for none)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"random seed: the same seed makes the same children (default {DEFAULT_SEED})",
        )

    def handle(self, *args: Any, county: str, children: int, seed: int, **options: Any) -> None:
        if children < 0:
            raise CommandError("--children 不能为负数。")
        started = time.perf_counter()
        places, users = demo_load(county_code=county)
        self.stdout.write(
            self.style.SUCCESS(
                f"示范县 {places.county.name}：乡镇 {places.township.name}，"
                f"村 {places.village.short_name}，学校 {places.school.name}"
            )
        )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for user in users:
            membership = user.memberships.select_related("role", "area", "school").first()
            self.stdout.write(f"  {user.username:<22} {membership}")
        self.stdout.write(
            "系统和县级账号须二次验证：动态码由 python manage.py demo_code 给出，"
            "或在验证器中输入演示密钥 GUANAIDEMOGUANAIDEMOGUANAIDEMO22。"
        )
        if not children:
            return
        existing = demo_children_count(places.root)
        if existing:
            self.stdout.write(f"{places.root.name} 已有 {existing} 名儿童，跳过生成。")
            return

        reported = 0

        def progress(done: int, total: int) -> None:
            nonlocal reported
            if done == total or done // PROGRESS_EVERY > reported // PROGRESS_EVERY:
                self.stdout.write(f"已生成 {done} / {total} 名儿童")
                reported = done

        made = demo_children_generate(
            root=places.root,
            count=children,
            seed=seed,
            places=places,
            users=users,
            progress=progress,
        )
        self.stdout.write(
            f"{places.root.name}：生成 {made} 名儿童，用时 {time.perf_counter() - started:.1f} 秒"
        )
        # A year of care for a county; a province or city gets a few weeks' (about 3 records
        # a child rather than 20), or a million children would take half an hour more.
        volume = CareVolume() if places.root == places.county else LIGHT
        care = demo_care_generate(
            root=places.root, places=places, users=users, seed=seed, volume=volume
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"关爱记录 {care.records} 条（{care.states} 名儿童），帮扶人 {care.helpers} 名，"
                f"结对 {care.pairings} 对；共用时 {time.perf_counter() - started:.1f} 秒"
            )
        )
