"""ClickHouse."""

from __future__ import annotations

from sqlglot import exp

from segl.compiler.target_base import Target, fn, quoted_table


class ClickHouse(Target):
    name = "clickhouse"
    dialect = "clickhouse"
    starts_with_function = "startsWith"
    ends_with_function = "endsWith"
    transactions = False
    temp_table = False

    def epoch(self, value: exp.Expression) -> exp.Expression:
        return fn("toUnixTimestamp64Micro", fn("toDateTime64", value, exp.Literal.number(6)))

    def seconds_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        micros = exp.Sub(this=self.epoch(end), expression=self.epoch(start))
        return exp.Div(this=exp.Paren(this=micros), expression=exp.Literal.number("1000000.0"))

    def iso_day_of_week(self, value: exp.Expression) -> exp.Expression:
        return fn("toDayOfWeek", value)

    def contains(self, text: exp.Expression, part: exp.Expression) -> exp.Expression:
        return exp.GT(this=fn("position", text, part), expression=exp.Literal.number(0))

    def length(self, text: exp.Expression) -> exp.Expression:
        return fn("lengthUTF8", text)

    def in_list(self, value: exp.Expression, items: list[exp.Expression]) -> exp.Expression:
        # ClickHouse"s IN treats NULL as a value ("a" IN ("b", NULL) is 0, not NULL);
        # a chain of equalities keeps SQL"s three-valued answer
        tests = [exp.EQ(this=value.copy(), expression=item) for item in items]
        chain: exp.Expression = tests[0]
        for test in tests[1:]:
            chain = exp.Or(this=chain, expression=test)
        return exp.Paren(this=chain)

    def finish_query(self, query: exp.Select) -> exp.Select:
        # outer joins fill missing rows with 0 / "" unless join_use_nulls is on
        setting = exp.EQ(this=exp.var("join_use_nulls"), expression=exp.Literal.number(1))
        query.set("settings", [setting])
        return query

    def create_temp_table(self, name: str, query: exp.Query) -> exp.Expression:
        engine = exp.Properties(expressions=[exp.EngineProperty(this=exp.var("Memory"))])
        return exp.Create(
            this=quoted_table(name), kind="TABLE", expression=query, properties=engine
        )
