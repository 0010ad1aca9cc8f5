"""Frames on fd 3, stdout/stderr capture and the Lambda `logging` setup.

Frame layout and types: docs/runtime-protocol.md. Imports are limited to modules the
interpreter has loaded before running the script, plus `_socket`/`_thread`/`_queue`
(C modules, well under 1 ms together); `socket` itself would cost about 10 ms.
"""

import _socket
import _thread
import io
import os
import sys
import time

MAIN_FD = 3
_LOG_HEADERS = {"stdout": b'{"t":"log","stream":"stdout"}', "stderr": b'{"t":"log","stream":"stderr"}'}
_TEXT_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
_MAX_PARTIAL = 65536
JSON_LOG_FORMAT = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"

# Same object as socket.socket(fileno=3) minus the Python wrapper class.
_sock = _socket.socket(fileno=MAIN_FD)
_sock.setblocking(True)
os.set_inheritable(MAIN_FD, False)  # exec'd children must not keep the platform's socket open
_lock = _thread.RLock()

# Request id and tenant id of the invoke in progress, read by the logging filter.
current = {"request_id": None, "tenant_id": None}


def _reset_lock_in_child():
    # A forked child (multiprocessing) may inherit the lock while another thread holds it.
    global _lock
    _lock = _thread.RLock()


os.register_at_fork(after_in_child=_reset_lock_in_child)


def send_frame(header, body=b""):
    """Writes one frame (header: encoded JSON object). Exits when the platform is gone."""
    prefix = len(header).to_bytes(4, "big") + len(body).to_bytes(4, "big")
    with _lock:
        try:
            if len(body) < 65536:
                _sock.sendall(prefix + header + body)
            else:
                _sock.sendall(prefix + header)
                _sock.sendall(body)
        except OSError:
            os._exit(0)


# JSON through the C accelerator `_json`, which is what the `json` package runs as well: importing
# `json` pulls in `re` and `enum` (about 15 ms on a cold interpreter). Anything unusual goes to
# `json` itself, so results and error messages are exactly the stdlib's.
try:
    import _json
except ImportError:  # not CPython
    _json = None


class _ScannerContext(object):
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__
    memo = {}


_scan_once = _json.make_scanner(_ScannerContext()) if _json else None
_JSON_SPACE = " \t\n\r"


def json_loads(data):
    """json.loads(data) for str or bytes."""
    if _scan_once is not None:
        try:
            if not isinstance(data, str):
                # json.loads would detect UTF-16/32 and BOMs; leave those to it.
                if data[:1] in (b"\xef", b"\xfe", b"\xff") or b"\x00" in data[:4]:
                    raise ValueError("not plain UTF-8")
                data = bytes(data).decode("utf-8", "surrogatepass")
            start = len(data) - len(data.lstrip(_JSON_SPACE))
            value, end = _scan_once(data, start)
            if not data[end:].strip(_JSON_SPACE):
                return value
        except Exception:
            pass  # json.loads below gives the stdlib error
    import json

    return json.loads(data)


def _not_serializable(o):
    raise TypeError("Object of type %s is not JSON serializable" % o.__class__.__name__)


def json_dumps(obj, default=None, ensure_ascii=True, separators=(", ", ": ")):
    """json.dumps(obj, default=default, ensure_ascii=ensure_ascii, separators=separators)."""
    if _json is not None:
        quote = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
        try:
            item_separator, key_separator = separators
            default = default or _not_serializable
            encode = _json.make_encoder({}, default, quote, None, key_separator, item_separator, False, False, True)
        except TypeError:  # a future signature of the accelerator
            encode = None
        if encode is not None:
            return "".join(encode(obj, 0))
    import json

    return json.dumps(obj, default=default, ensure_ascii=ensure_ascii, separators=separators)


def encode_header(obj):
    return json_dumps(obj, separators=(",", ":")).encode("utf-8")


def send_log(stream, text):
    """One `log` frame; the protocol wants every log body to end with a newline."""
    if not text.endswith("\n"):
        text += "\n"
    send_frame(_LOG_HEADERS[stream], text.encode("utf-8", "backslashreplace"))


def read_frames(put):
    """Reader thread body: passes (header, body) of each `invoke` (and `assign`) frame to put() and ends the
    process the moment fd 3 reaches EOF, even while a handler is running."""
    try:
        buf = bytearray()
        while True:
            need = 8
            if len(buf) >= 8:
                header_len = int.from_bytes(buf[0:4], "big")
                need = 8 + header_len + int.from_bytes(buf[4:8], "big")
                if len(buf) >= need:
                    header = json_loads(bytes(buf[8 : 8 + header_len]))
                    body = bytes(buf[8 + header_len : need])
                    del buf[:need]
                    if header.get("t") in ("invoke", "assign"):
                        put((header, body))
                    continue
            try:
                chunk = _sock.recv(max(65536, need - len(buf)))
            except OSError:
                chunk = b""
            if not chunk:
                os._exit(0)
            buf += chunk
    except BaseException as e:  # a malformed frame is a platform bug: fail loudly
        os.write(2, ("nimbus runtime: bad frame from platform: %r\n" % (e,)).encode())
        os._exit(1)


class _BinaryWriter(io.RawIOBase):
    """sys.stdout.buffer: bytes are decoded and forwarded to the text writer."""

    def __init__(self, text):
        super().__init__()
        import codecs

        self._text = text
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def writable(self):
        return True

    def write(self, b):
        self._text.write(self._decoder.decode(bytes(b)))
        return len(b)

    def fileno(self):
        return self._text.fileno()


class LogWriter(io.TextIOBase):
    """Stands in for sys.stdout/sys.stderr. A write ending in a newline sends everything written
    since the previous one as one `log` frame (so one print() is one frame, ordered with the
    response); text without a final newline waits for it, for drain() at the end of the invoke,
    or until it passes _MAX_PARTIAL characters."""

    encoding = "utf-8"
    errors = "backslashreplace"

    def __init__(self, stream, fd):
        super().__init__()
        self._stream = stream
        self._fd = fd
        self._partial = ""
        self._buffer = None
        self.name = "<%s>" % stream

    @property
    def buffer(self):
        if self._buffer is None:
            self._buffer = _BinaryWriter(self)
        return self._buffer

    def writable(self):
        return True

    def isatty(self):
        return False

    def fileno(self):
        # The raw pipe: whatever is written to it directly bypasses the framing.
        return self._fd

    def reconfigure(self, **_kwargs):
        pass

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        with _lock:
            if s.endswith("\n"):
                text, self._partial = self._partial + s, ""
                send_log(self._stream, text)
            else:
                self._partial += s
                if len(self._partial) > _MAX_PARTIAL:
                    end = self._partial.rfind("\n") + 1 or len(self._partial)
                    text, self._partial = self._partial[:end], self._partial[end:]
                    send_log(self._stream, text)
        return len(s)

    def flush(self):
        pass

    def drain(self):
        with _lock:
            if self._partial:
                text, self._partial = self._partial, ""
                send_log(self._stream, text)

    def close(self):
        self.drain()


_stdout = LogWriter("stdout", 1)
_stderr = LogWriter("stderr", 2)


def capture_output():
    sys.stdout = _stdout
    sys.stderr = _stderr


def drain_output():
    _stdout.drain()
    _stderr.drain()


def configure_logging(logging):
    """Installs the root handler the RIC installs (bootstrap._setup_logging)."""
    logging.Formatter.converter = time.gmtime

    class LambdaLoggerHandler(logging.Handler):
        def emit(self, record):
            try:
                send_log("stdout", self.format(record))
            except Exception:
                self.handleError(record)

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = current["request_id"] or ""
            record.tenant_id = current["tenant_id"]
            return True

    handler = LambdaLoggerHandler()
    if JSON_LOG_FORMAT:
        handler.setFormatter(_json_formatter(logging))
    else:
        handler.setFormatter(logging.Formatter(_TEXT_LOG_FORMAT, DATETIME_FORMAT))
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()
    root = logging.getLogger()
    if level in logging._nameToLevel:
        root.setLevel(level)
    handler.addFilter(LambdaLoggerFilter())
    root.addHandler(handler)
    root._nimbus_configured = True


_RESERVED_FIELDS = {
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info",
    "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread",
    "threadName", "processName", "process", "aws_request_id", "tenant_id", "_frame_type",
}  # fmt: skip


def _json_formatter(logging):
    """AWS_LAMBDA_LOG_FORMAT=JSON record shape (RIC lambda_runtime_log_utils.JsonFormatter)."""
    import traceback

    class JsonFormatter(logging.Formatter):
        def formatTime(self, record, datefmt=None):
            return time.strftime(DATETIME_FORMAT, time.gmtime(record.created)) + ".%03dZ" % record.msecs

        def format(self, record):
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            exc_info = record.exc_info
            result = {
                "timestamp": self.formatTime(record),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
                "errorType": exc_info[0].__name__ if exc_info else None,
                "errorMessage": str(exc_info[1]) if exc_info else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": (
                    "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc_info else None
                ),
            }
            if getattr(record, "tenant_id", None) is not None:
                result["tenantId"] = record.tenant_id
            result.update(
                (key, value)
                for key, value in record.__dict__.items()
                if key not in _RESERVED_FIELDS and key not in result
            )
            return json_dumps({k: v for k, v in result.items() if v is not None}, ensure_ascii=False) + "\n"

    return JsonFormatter()


class _LoggingImportHook:
    """Meta path finder that configures `logging` the moment anyone first imports it (before the
    importer gets control back). Importing `logging` eagerly would add about 8 ms to every cold
    start of functions that never use it."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(name, path, target) if find_spec else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or isinstance(loader, type):
            return spec  # a class-level loader cannot be wrapped; ensure_logging() catches up
        exec_module = loader.exec_module

        def exec_and_configure(module):
            exec_module(module)
            if hasattr(module, "Handler"):  # not a function's own module that happens to be called logging
                configure_logging(module)

        loader.exec_module = exec_and_configure
        return spec


def install_logging():
    if "logging" in sys.modules:
        configure_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingImportHook())


def ensure_logging():
    """Configures `logging` if it was imported in a way the import hook could not see."""
    logging = sys.modules.get("logging")
    if logging is not None and not getattr(logging.getLogger(), "_nimbus_configured", False):
        configure_logging(logging)
