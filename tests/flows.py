"""Conversations several test files need done, the way 周丽 does them."""

from __future__ import annotations

from tests.harness import Person


async def file_visit(
    person: Person, *, when: str = "昨天下午3点", business_review: str = "10月销量同比增长12%"
) -> None:
    """A routine visit to 家乐福（华东区） with only its business review, submitted."""
    await person.send("/visit")
    await person.send("家乐福")
    await person.press("家乐福（华东区）")
    if when == "now":
        await person.press("就是现在")
    else:
        await person.send(when)
    await person.send(business_review)  # not marked: the business review
    await person.press("提交")


async def demand(person: Person, severity: str = "紧急", category: str = "客户需求") -> None:
    """A customer demand (客户需求, urgent unless said) at 永辉超市（华南区）, submitted (R17)."""
    await person.send("/issue")
    await person.send("永辉")
    await person.press("永辉超市（华南区）")
    await person.send("深圳南山店")
    await person.press(category)
    await person.press(severity)
    await person.send("门店要求周末前补齐春节礼盒")
    await person.press("跳过")
    await person.press("提交")


async def file_complaint(person: Person) -> None:
    """A complaint (投诉) at 永辉超市（华南区）'s 深圳南山店, severe, no photos, submitted."""
    await person.send("/issue")
    await person.send("永辉")
    await person.press("永辉超市（华南区）")
    await person.send("深圳南山店")
    await person.press("投诉")
    await person.press("严重")
    await person.send("顾客投诉临期奶未下架")
    await person.press("跳过")
    await person.press("提交")
