"""A learner that speaks Streamlit's own websocket protocol, as the browser does, without a browser.

The browser's part of a Streamlit app is a client of one websocket, ``/_stcore/stream``, that carries
protobuf messages from ``streamlit.proto``: the browser sends `BackMsg`s (``rerun_script`` with the
page, the query string and the widgets' states) and receives `ForwardMsg`s (``new_session`` when a run
starts, ``navigation`` with the app's pages, ``delta``s that add or replace the page's elements,
``script_finished`` at the end of a run). `StreamlitClient` does the same with the installed Streamlit's
own protobuf classes, as the frontend's ``WebsocketConnection`` and ``App.sendRerunBackMsg`` do:

- it asks ``/_stcore/health`` and ``/_stcore/host-config`` over HTTP, then opens the websocket with the
  subprotocols ``["streamlit", "PLACEHOLDER_AUTH_TOKEN"]`` and the page's origin;
- it sends ``rerun_script`` with the query string and an empty page hash and the page's URL name for the
  first run, and the page's script hash when a lesson is opened from the navigation;
- it keeps the page as the deltas build it (element by delta path, so an element that a later delta
  replaces, such as a Stop button emptied at the end of a training, is gone), finds widgets by label,
  and sends a change as the widget does: the widget's new `WidgetState` with the states of the widgets
  it changed before that are still on the page (a button press: a ``trigger_value`` sent once);
- it reads until ``script_finished`` (a run stopped early for a newer rerun is not the end), and follows
  ``auto_rerun`` requests (a fragment with ``run_every``) while the work it polls goes on.

Once a run has ended, the client fetches the images it added (``/media/...``), as the page's ``<img>``
tags do (not timed: the step ends with the run). A client costs a few milliseconds of CPU per step
(parsing protobuf), so hundreds fit beside the server; it draws nothing.

No Locust here: this module runs in plain threads (the end-to-end test) and under gevent (the Locust user
class in ``loadtest/locustfile.py``, where Locust's monkey-patching makes the sockets cooperative).
"""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass, field

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

SUBPROTOCOLS = ["streamlit", "PLACEHOLDER_AUTH_TOKEN"]  # the frontend's, without a host auth token
WIDGET_TYPES = ("slider", "selectbox", "radio", "checkbox", "toggle", "button", "number_input", "button_group")
EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.FINISHED_WITH_COMPILE_ERROR


class ProtocolError(RuntimeError):
    """The server closed the connection, or a run did not end in time."""


@dataclass(frozen=True)
class Page:
    """One page of the app's navigation."""

    script_hash: str
    name: str
    url_pathname: str
    is_default: bool = False


@dataclass
class Widget:
    """A widget on the page: its type ("slider", "button", ...), id, label, the element's proto, where it is."""

    kind: str
    id: str
    label: str
    proto: object
    fragment_id: str = ""
    in_sidebar: bool = False
    disabled: bool = False


@dataclass
class Run:
    """What one rerun request brought back, as the client saw it."""

    seconds: float = 0.0  # from sending the request to receiving the end of its run (script_finished)
    messages: int = 0
    bytes: int = 0
    exceptions: list[str] = field(default_factory=list)  # st.exception / error boxes' messages
    status: str = ""
    auto_reruns: int = 0  # fragment reruns the client sent while it followed run_every
    images: int = 0  # the run's images fetched from /media after its end, as the page's <img> tags do
    images_failed: int = 0


def _element_kind(element) -> str:
    return element.WhichOneof("type") or ""


def change_state(widget: Widget, step: int = 1) -> WidgetState:
    """The `WidgetState` the browser sends when a learner changes `widget` once.

    A slider moves by one step (back when at its maximum), a select box or radio takes the next option
    (wrapping), a checkbox or toggle flips, a number input moves by one step, a button is pressed.

    Examples
    --------
    >>> from streamlit.proto.Slider_pb2 import Slider
    >>> s = Slider(id="s1", label="Sigma", min=0, max=2, step=0.5, default=[1.0], data_type=Slider.FLOAT)
    >>> list(change_state(Widget("slider", "s1", "Sigma", s)).double_array_value.data)
    [1.5]
    """
    proto, state = widget.proto, WidgetState(id=widget.id)
    if widget.kind == "button":
        state.trigger_value = True
    elif widget.kind == "slider":
        values = list(proto.value if proto.set_value and proto.value else proto.default)
        if proto.type == proto.SELECT_SLIDER or proto.options:
            # a select slider holds option indices; its state is the options' text
            indices = [int(v) for v in values]
            moved = indices[-1] + step
            indices[-1] = moved if moved < len(proto.options) else indices[-1] - step
            state.string_array_value.data.extend(proto.options[i] for i in indices)
            return state
        else:
            moved = values[-1] + step * proto.step
            values[-1] = moved if moved <= proto.max else values[-1] - step * proto.step
            if len(values) > 1 and values[-1] < values[0]:
                values[0] = proto.min
        state.double_array_value.data.extend(values)
    elif widget.kind in ("selectbox", "radio"):
        options = list(proto.options)
        current = proto.raw_value if proto.HasField("raw_value") else (
            options[proto.default] if proto.HasField("default") and 0 <= proto.default < len(options) else None)
        index = options.index(current) if current in options else -1
        state.string_value = options[(index + step) % len(options)]
    elif widget.kind in ("checkbox", "toggle"):
        state.bool_value = not (proto.value if proto.set_value else proto.default)
    elif widget.kind == "number_input":
        value = (proto.value if proto.HasField("value") else proto.default) + step * (proto.step or 1)
        if proto.has_max and value > proto.max:
            value = proto.min if proto.has_min else value - 2 * step * (proto.step or 1)
        if proto.data_type == proto.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    else:
        raise ValueError(f"no change known for a {widget.kind}")
    return state


class StreamlitClient:
    """One browser tab of the app, without the browser: a session over Streamlit's websocket.

    Parameters
    ----------
    base_url
        The app's address, ``http://127.0.0.1:8501``.
    timeout
        Seconds a run may take before the client gives up (a `ProtocolError`).
    """

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.ws: websocket.WebSocket | None = None
        self.pages: list[Page] = []
        self.page_hash = ""  # the page the last run ran (new_session's page_script_hash)
        self.elements: dict[tuple[int, ...], tuple[str, object, str]] = {}  # delta path -> (kind, element, fragment)
        self.states: dict[str, WidgetState] = {}  # widgets the learner changed, by id, as the browser keeps them
        self.query_string = ""
        self.auto_rerun: dict[str, float] = {}  # fragment id -> interval, seconds (st.fragment(run_every=...))

    # -- connection ---------------------------------------------------------------------------------------
    def connect(self, query_string: str = "", page_name: str = "") -> Run:
        """Do what a browser opening ``/<page_name>?<query_string>`` does; return the first run."""
        for path in ("/_stcore/health", "/_stcore/host-config"):
            with urllib.request.urlopen(self.base_url + path, timeout=self.timeout) as answer:
                answer.read()
        self.ws = websocket.create_connection(
            "ws" + self.base_url.removeprefix("http") + "/_stcore/stream", subprotocols=SUBPROTOCOLS,
            origin=self.base_url, timeout=self.timeout, enable_multithread=False)
        self.query_string = query_string
        return self._rerun(page_name=page_name)

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            finally:
                self.ws = None

    # -- what a learner does ------------------------------------------------------------------------------
    def open_page(self, page: Page) -> Run:
        """Open a page from the navigation, as a click on its link does (the widgets of the old page go)."""
        self.query_string = ""
        sidebar = {w.id for w in self.widgets(sidebar=True)}
        self.states = {i: s for i, s in self.states.items() if i in sidebar}
        return self._rerun(page_hash=page.script_hash)

    def choose(self, widget: Widget, option: str) -> Run:
        """Click one option of a segmented control (a "button_group": a lesson's "Section") and wait for its run."""
        state = WidgetState(id=widget.id)
        state.string_array_value.data.append(option)
        self.states[widget.id] = state
        return self._rerun(page_hash=self.page_hash, fragment_id=widget.fragment_id)

    def widgets(self, kind: str | None = None, sidebar: bool | None = None) -> list[Widget]:
        """The page's widgets in page order, of one kind and one side when asked."""
        found = []
        for path, (element_kind, element, fragment) in sorted(self.elements.items()):
            if element_kind not in WIDGET_TYPES:
                continue
            proto = getattr(element, element_kind)
            widget = Widget(element_kind, proto.id, proto.label, proto, fragment, in_sidebar=path[0] == 1,
                            disabled=bool(getattr(proto, "disabled", False)))
            if (kind is None or kind == element_kind) and (sidebar is None or sidebar == widget.in_sidebar):
                found.append(widget)
        return found

    def widget(self, label: str, kind: str | None = None) -> Widget | None:
        """The first widget whose label starts with `label` (the page's order), or None."""
        return next((w for w in self.widgets(kind) if w.label.startswith(label)), None)

    def change(self, widget: Widget, step: int = 1, follow: bool = False) -> Run:
        """Change `widget` once (see `change_state`) and wait for the end of the run it starts.

        With `follow`, also follow the page's auto reruns while a Stop button is on it (heavy work that
        polls its progress): the run is over when the work is.
        """
        state = change_state(widget, step)
        if widget.kind != "button":
            self.states[widget.id] = state
        run = self._rerun(page_hash=self.page_hash, extra=[state] if widget.kind == "button" else [],
                          fragment_id=widget.fragment_id)
        if follow:
            start = time.monotonic() - run.seconds
            while self.auto_rerun and self.widget("Stop", "button") is not None:
                fragment, interval = next(iter(self.auto_rerun.items()))
                self.idle(interval)
                more = self._rerun(page_hash=self.page_hash, fragment_id=fragment, auto=True)
                run.messages, run.bytes = run.messages + more.messages, run.bytes + more.bytes
                run.exceptions += more.exceptions
                run.auto_reruns += 1
                if time.monotonic() - start > self.timeout:
                    raise ProtocolError(f"the work was not over after {self.timeout:.0f} s")
            run.seconds = time.monotonic() - start
        return run

    # -- the protocol -------------------------------------------------------------------------------------
    def _rerun(self, page_hash: str = "", page_name: str = "", extra: list[WidgetState] = (),
               fragment_id: str = "", auto: bool = False) -> Run:
        if self.ws is None:
            raise ProtocolError("not connected")
        live = {w.id for w in self.widgets()}
        self.states = {i: s for i, s in self.states.items() if i in live}  # the browser forgets widgets gone
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        rerun.page_script_hash = page_hash
        rerun.page_name = page_name
        rerun.widget_states.widgets.extend([*self.states.values(), *extra])
        if fragment_id:
            rerun.fragment_id = fragment_id
        rerun.is_auto_rerun = auto
        start = time.monotonic()
        self.ws.send_binary(msg.SerializeToString())
        return self._read_run(start, fragment=bool(fragment_id))

    def idle(self, seconds: float) -> None:
        """Stay on the page for `seconds`, reading what the server sends, as an open tab does: the websocket's
        pings are answered (an unanswered ping closes the connection after 30 s) and late messages applied."""
        end = time.monotonic() + seconds
        while self.ws is not None and (left := end - time.monotonic()) > 0:
            try:
                data = self._receive(left)
            except websocket.WebSocketTimeoutException:
                return
            self._handle(data, Run(), [], fragment=True)

    def _receive(self, seconds: float) -> bytes:
        self.ws.settimeout(max(seconds, 0.01))
        try:
            data = self.ws.recv()
        except websocket.WebSocketTimeoutException:
            raise
        except (websocket.WebSocketConnectionClosedException, OSError) as exc:
            raise ProtocolError(f"connection lost: {exc}") from None
        if not data:
            raise ProtocolError("connection closed by the server")
        return data

    def _read_run(self, start: float, fragment: bool) -> Run:
        run = Run()
        images: list[str] = []
        deadline = start + self.timeout
        while True:
            try:
                data = self._receive(deadline - time.monotonic())
            except websocket.WebSocketTimeoutException:
                raise ProtocolError(f"no end of the run after {self.timeout:.0f} s") from None
            if self._handle(data, run, images, fragment):
                run.seconds = time.monotonic() - start
                self._fetch_images(run, images)
                return run

    def _handle(self, data: bytes, run: Run, images: list[str], fragment: bool) -> bool:
        """Apply one ForwardMsg to the page; True when it ends the run (not one stopped for a newer rerun)."""
        run.messages += 1
        run.bytes += len(data)
        fmsg = ForwardMsg()
        fmsg.ParseFromString(data)
        kind = fmsg.WhichOneof("type")
        if kind == "new_session":
            if not fragment:
                self.elements.clear()  # a full run rebuilds the page; stale elements are dropped
                self.auto_rerun.clear()
            self.page_hash = fmsg.new_session.page_script_hash or self.page_hash
        elif kind == "navigation":
            self.pages = [Page(p.page_script_hash, p.page_name, p.url_pathname, p.is_default)
                          for p in fmsg.navigation.app_pages if not p.is_hidden]
            self.page_hash = fmsg.navigation.page_script_hash or self.page_hash
        elif kind == "delta":
            self._apply(fmsg)
            element = fmsg.delta.new_element if fmsg.delta.WhichOneof("type") == "new_element" else None
            if element is not None and _element_kind(element) == "exception":
                run.exceptions.append(element.exception.message[:200] or element.exception.type)
            if element is not None and _element_kind(element) == "imgs":
                images += [img.url for img in element.imgs.imgs if img.url.startswith("/media/")]
        elif kind == "auto_rerun":
            self.auto_rerun[fmsg.auto_rerun.fragment_id] = fmsg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            self.auto_rerun.clear()
        elif kind == "page_not_found":
            run.exceptions.append(f"page not found: {fmsg.page_not_found.page_name}")
        elif kind == "script_finished":
            if fmsg.script_finished == EARLY:
                return False  # an older run gave way to ours: ours follows
            if fmsg.script_finished == COMPILE_ERROR:
                run.exceptions.append("the script did not compile")
            run.status = ForwardMsg.ScriptFinishedStatus.Name(fmsg.script_finished)
            return True
        return False

    def _fetch_images(self, run: Run, urls: list[str]) -> None:
        for url in dict.fromkeys(urls):
            try:
                with urllib.request.urlopen(self.base_url + url, timeout=self.timeout) as answer:
                    answer.read()
                run.images += 1
            except OSError:  # replaced by a newer run before it was fetched: a broken image, not a failed step
                run.images_failed += 1

    def _apply(self, fmsg) -> None:
        delta = fmsg.delta
        path = tuple(fmsg.metadata.delta_path)
        which = delta.WhichOneof("type")
        if which == "new_element":
            self.elements[path] = (_element_kind(delta.new_element), delta.new_element, delta.fragment_id)
        elif which == "add_block":
            # a new block replaces whatever was at its path and below it
            for old in [p for p in self.elements if p[:len(path)] == path]:
                del self.elements[old]
