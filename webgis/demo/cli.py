"""`flask --app webgis demo`: generate the synthetic demo town and load it.

    flask --app webgis demo --scale town              # refuses if 汇龙镇 already has data
    flask --app webgis demo --scale town --if-empty   # no-op when it has (used by `make run`)
    flask --app webgis demo --scale small --replace   # delete 汇龙镇's rows, then load
    flask --app webgis demo --logins                  # print the demo logins only
"""
import time

import click
from flask.cli import with_appcontext

from webgis.database import owner_engine

TABLE_LABELS = {
    "town": "镇", "police_station": "派出所", "village": "村（社区）", "grid": "网格", "road": "道路",
    "app_user": "用户", "user_grid": "用户网格", "building": "楼栋", "household": "住户（户/室）",
    "person": "实有人口", "residence": "人房关联", "organisation": "实有单位", "key_attention": "重点关注",
    "visit": "入户记录", "verification": "民警核验", "spot_check": "检查验收抽查",
}


def _logins(cur, town_code: str) -> list[tuple[str, str, str]]:
    """Read the demo users of the town and describe their scope from the database."""
    cur.execute(
        """SELECT u.username, u.role, t.name, v.name, s.name,
                  (SELECT string_agg(gv.name || g.name, '、' ORDER BY g.village_id, g.number)
                     FROM user_grid ug JOIN grid g ON g.id = ug.grid_id JOIN village gv ON gv.id = g.village_id
                    WHERE ug.user_id = u.id),
                  (SELECT av.name FROM village av WHERE av.town_id = u.town_id AND u.area IS NOT NULL
                      AND ST_Equals(av.geom, u.area) LIMIT 1)
             FROM app_user u JOIN town t ON t.id = u.town_id
             LEFT JOIN village v ON v.id = u.village_id
             LEFT JOIN police_station s ON s.id = u.station_id
            WHERE t.code = %s AND u.username = ANY (%s)
            ORDER BY u.id""",
        (town_code, ["town", "village", "leader", "liaison", "police", "station", "inspector", "property"]),
    )
    out = []
    for username, role, town, village, station, grids, area_village in cur.fetchall():
        if role == "town_admin":
            scope = f"{town}（全镇）"
        elif village:
            scope = village
        elif station:
            scope = f"{station}辖区"
        elif area_village:
            scope = f"{area_village}（检查区域）"
        else:
            scope = grids or "（未分配）"
        out.append((username, role, scope))
    return out


def _add_spot_checks(conn, scale: str, seed: int) -> None:
    """A town loaded before spot checks existed gets the demo's spot checks (检查验收抽查)."""
    from webgis.demo.generator import generate
    from webgis.demo.geography import load_base
    from webgis.demo.loader import town_state

    cur = conn.cursor()
    cur.execute("SELECT to_regclass('spot_check') IS NOT NULL")
    if not cur.fetchone()[0]:
        conn.rollback()
        return
    state = town_state(cur, load_base().town_code)
    cur.execute("SELECT count(*) FROM spot_check WHERE town_id = %s", (state["id"],))
    missing = cur.fetchone()[0] == 0
    conn.rollback()
    if not missing:
        return
    from webgis.demo.loader import add_spot_checks

    click.echo("补充检查验收抽查记录…")
    added = add_spot_checks(conn, generate(scale, seed))
    if added is None:
        click.echo("已加载的数据与演示生成器不一致，未补充抽查记录（可用 --replace 重新加载）。")
    else:
        click.echo(f"已补充 {added} 条抽查记录。")


def _print_logins(rows: list[tuple[str, str, str]]) -> None:
    from webgis.demo.users import logins_table

    click.echo("演示账号（所有账号密码相同，仅用于演示，正式使用前请删除或修改）：")
    click.echo(logins_table(rows))


@click.command("demo")
@click.option("--scale", type=click.Choice(["small", "town"]), default="town", show_default=True,
              help="small: 3 村居、6 个网格（测试用）；town: 全镇 27 个村居、400 多个网格。")
@click.option("--seed", type=int, default=2019, show_default=True, help="随机种子；相同种子生成相同数据。")
@click.option("--if-empty", is_flag=True, help="汇龙镇已有数据时什么也不做。")
@click.option("--replace", is_flag=True, help="先删除汇龙镇的全部记录再加载。")
@click.option("--logins", "logins_only", is_flag=True, help="只打印演示账号。")
@with_appcontext
def demo_command(scale: str, seed: int, if_empty: bool, replace: bool, logins_only: bool) -> None:
    """生成并加载汇龙镇演示数据（虚构：人员、身份证号、电话均为假数据）。"""
    from webgis.demo.generator import generate
    from webgis.demo.geography import load_base
    from webgis.demo.loader import DemoExists, load, town_state

    if if_empty and replace:
        raise click.UsageError("--if-empty 与 --replace 不能同时使用。")
    town_code = load_base().town_code
    conn = owner_engine().raw_connection()  # bulk load as the table owner, not the app role
    try:
        cur = conn.cursor()
        if logins_only:
            rows = _logins(cur, town_code)
            conn.rollback()
            if not rows:
                raise click.ClickException("尚未加载演示数据：请先运行 flask --app webgis demo。")
            _print_logins(rows)
            return
        state = town_state(cur, town_code)
        conn.rollback()
        if state and state["has_data"]:
            summary = f"{state['name']}已有数据（{state['villages']} 个村居，{state['grids']} 个网格，{state['buildings']} 栋楼）"
            if if_empty:
                click.echo(f"{summary}，跳过演示数据加载。")
                _add_spot_checks(conn, scale, seed)
                return
            if not replace:
                raise click.ClickException(f"{summary}。如需重新生成，请加 --replace（将删除{state['name']}的全部记录）。")
        started = time.perf_counter()
        click.echo(f"生成演示数据（规模 {scale}，种子 {seed}）…")
        data = generate(scale, seed)
        generated = time.perf_counter() - started
        click.echo(f"生成完成，用时 {generated:.1f} 秒；写入数据库…")
        try:
            timings = load(conn, data, replace=replace, progress=click.echo)
        except DemoExists as exc:
            raise click.ClickException(f"{exc.state['name']}已有数据（可能由另一进程刚刚加载），未作修改。") from exc
        total = time.perf_counter() - started
        click.echo(f"写入完成，用时 {timings['total']:.1f} 秒（其中删除旧数据 {timings['delete']:.1f} 秒，"
                   f"状态计算 {timings['refresh_status']:.1f} 秒）。")
        click.echo("")
        click.echo("记录数：")
        for table, n in data.counts().items():
            click.echo(f"  {TABLE_LABELS.get(table, table)}（{table}）：{n:,}")
        click.echo(f"总用时 {total:.1f} 秒。")
        click.echo("")
        _print_logins(data.logins)
    finally:
        conn.close()
