from tests.harness import Kabot


async def test_start(org: Kabot) -> None:
    zhou = org.person(500200102, "周丽")
    await zhou.send("/start")
    print(zhou.replies())
    assert "周丽" in zhou.last_reply()
    await zhou.press("查客户")
    print(zhou.replies())
    stranger = org.person(999, "Bob", language_code="en")
    await stranger.send("/start")
    print(stranger.replies())
