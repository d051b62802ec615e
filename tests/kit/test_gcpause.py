import gc
import threading

from yaojian.kit.gcpause import collector_paused


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_resumes_even_when_the_block_raises() -> None:
    try:
        with collector_paused():
            raise ValueError("refused document")
    except ValueError:
        pass
    assert gc.isenabled()


def test_the_collector_resumes_only_when_the_last_of_several_pauses_ends() -> None:
    first_inside, second_done = threading.Event(), threading.Event()
    seen_after_second: list[bool] = []

    def long_capture() -> None:
        with collector_paused():
            first_inside.set()
            second_done.wait(5)
            seen_after_second.append(gc.isenabled())

    worker = threading.Thread(target=long_capture)
    worker.start()
    first_inside.wait(5)
    with collector_paused():
        pass
    second_done.set()
    worker.join(5)
    assert seen_after_second == [False]
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_it_decorates_a_function() -> None:
    @collector_paused()
    def work() -> bool:
        return gc.isenabled()

    assert work() is False
    assert gc.isenabled()
