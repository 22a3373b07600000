"""Streamlit's Keras clean-up after every script run, without its full garbage collection.

After every run of every session (fragment reruns too), once Keras has been
imported anywhere in the server, Streamlit calls
``keras.backend.clear_session()`` (``ScriptRunner._clean_problem_modules``).
Keras 3 then runs a full ``gc.collect()`` by default: with TensorFlow loaded
that costs 0.2-0.4 s on 2 cores, added to every rerun of every page for every
learner once one of them has opened the Supervised learning page or run the
case study. Keeping the clean-up but skipping that collection removes the tax;
Python's own garbage collector still runs as usual.
"""

from __future__ import annotations


def light_keras_cleanup() -> None:
    """Make ``keras.backend.clear_session()`` default to ``free_memory=False`` (once per server process).

    Call it where a page first needs Keras (it imports Keras).
    """
    from core.cnn import keras_module

    backend = keras_module().backend
    original = backend.clear_session
    if getattr(original, "light", False):
        return

    def clear_session(free_memory: bool = False):
        return original(free_memory=free_memory)

    clear_session.light = True
    clear_session.__doc__ = original.__doc__
    backend.clear_session = clear_session
