"""Lambda semantics of the runtime, after the official AWS Python runtime interface client
(awslambdaric bootstrap.py, lambda_context.py, lambda_runtime_marshaller.py): handler
resolution, error shapes, JSON marshalling, the context object, the init/invoke loop."""

import _thread
import os
import sys
import time
from _queue import SimpleQueue

from _nimbus_io import (
    DATETIME_FORMAT,
    JSON_LOG_FORMAT,
    capture_output,
    current,
    drain_output,
    encode_header,
    ensure_logging,
    install_logging,
    json_dumps,
    json_loads,
    read_frames,
    send_frame,
    send_log,
)

RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))
_ERROR_LOG_INDENT = "\u00a0"  # the RIC indents stack lines in error logs with NO-BREAK SPACE
# The RIC's encoder turns ensure_ascii off for this runtime id only.
_ENSURE_ASCII = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"


class FaultException(Exception):
    """A failure detected by the runtime, with its Lambda error type."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def error_from_exception(exc, invoke_id=None):
    """Error JSON for an exception from user code, minus the runtime's own leading frames."""
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(exc.__traceback__)]
    for i, frame in enumerate(frames):
        if os.path.dirname(frame[0]) != RUNTIME_DIR:
            frames = frames[i:]
            break
    try:
        message = str(exc)
    except Exception:
        message = "<unprintable %s object>" % type(exc).__name__
    return make_error(message, type(exc).__name__, traceback.format_list(frames), invoke_id)


def log_error(error):
    """Logs the `[ERROR] Type: message` record the RIC writes before reporting an error."""
    if JSON_LOG_FORMAT:
        timestamp = time.strftime(DATETIME_FORMAT, time.gmtime())
        send_log("stdout", to_json(dict({"timestamp": timestamp, "level": "ERROR"}, **error)))
        return
    description = "[ERROR]"
    if error["errorType"]:
        description += " " + error["errorType"]
    if error["errorMessage"]:
        if error["errorType"]:
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        if element == "":
            lines.append("")
            continue
        for line in element.splitlines():
            stripped = line.lstrip(" ")
            lines.append(_ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped)
    send_log("stdout", "\n".join(lines))


def to_json(obj):
    """Encodes like the RIC (simplejson): Decimal keeps its exact digits, NaN stays NaN."""
    decimals = []

    def default(o):
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            decimals.append(str(o))
            return "%s%d" % (_decimal_marker(), len(decimals) - 1)
        raise TypeError("Object of type %s is not JSON serializable" % o.__class__.__name__)

    out = json_dumps(obj, default=default, ensure_ascii=_ENSURE_ASCII)
    for i, digits in enumerate(decimals):
        # The stdlib encoder cannot emit raw JSON, so each Decimal goes out as a unique string
        # and the quoted string is replaced by the digits.
        out = out.replace('"%s%d"' % (_decimal_marker(), i), digits, 1)
    return out


_marker = []


def _decimal_marker():
    if not _marker:
        _marker.append("nimbus-decimal-%s-" % os.urandom(12).hex())
    return _marker[0]


def marshal_response(response):
    if isinstance(response, bytes):
        return response
    try:
        return to_json(response).encode("utf-8")
    except Exception as e:
        raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)))


def unmarshal_request(body):
    try:
        return json_loads(body)
    except Exception as e:
        raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)))


# --------------------------------------------------------------------------- context


_W3C_FIELDS = ("traceparent", "tracestate", "baggage")
_CONTEXT_FIELDS = (
    "aws_request_id", "log_group_name", "log_stream_name", "function_name", "memory_limit_in_mb",
    "function_version", "invoked_function_arn", "client_context", "identity", "tenant_id",
)  # fmt: skip


class LambdaContext(object):
    """The handler's `context` argument (RIC lambda_context.LambdaContext)."""

    def __init__(
        self,
        invoke_id,
        client_context,
        cognito_identity,
        epoch_deadline_time_in_ms,
        invoked_function_arn=None,
        tenant_id=None,
    ):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        # W3C trace context travels in clientContext.w3c; the RIC moves it out to context.w3c().
        raw = client_context.pop("w3c", None) if isinstance(client_context, dict) else None
        raw = raw if isinstance(raw, dict) else {}
        self._w3c_fields = {k: v for k, v in raw.items() if k in _W3C_FIELDS and isinstance(v, str)}
        self.client_context = _make_obj(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _make_obj(Client, self.client_context.client)
        self.identity = _make_obj(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def w3c(self):
        return dict(self._w3c_fields)

    def log(self, msg):
        send_log("stdout", str(msg))

    def __repr__(self):
        return "LambdaContext([%s])" % ",".join("%s=%s" % (f, getattr(self, f)) for f in _CONTEXT_FIELDS)


class _Slots(object):
    __slots__ = ()

    def __repr__(self):
        body = ",".join("%s=%s" % (f, getattr(self, f)) for f in self.__slots__)
        return "%s([%s])" % (self.__class__.__name__, body)


class CognitoIdentity(_Slots):
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client(_Slots):
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext(_Slots):
    __slots__ = ["custom", "env", "client"]


def _make_obj(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field, None))
    return obj


def _parse_json_header(value, name):
    try:
        return json_loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e))
        )


def create_context(header):
    client_context = header.get("clientContext")
    identity = header.get("identity")
    return LambdaContext(
        header.get("id", ""),
        _parse_json_header(client_context, "Client Context") if client_context else None,
        _parse_json_header(identity, "Cognito Identity") if identity else None,
        int(header.get("deadlineMs") or 0),
        header.get("functionArn"),
        header.get("tenantId"),
    )


# --------------------------------------------------------------------------- init and invoke


def load_handler(handler):
    """Resolves `module.function`, the module written with `/` or `.` (RIC _get_handler)."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e))
        )
    import importlib

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e))
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname)
        )


def init(environ):
    """Init phase: returns the handler, or reports `init-error` and exits with status 1."""
    task_root = environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    # Layers are at /opt; without a mount namespace (plain-process sandbox) the platform names
    # the merged layer folder in NIMBUS_OPT_DIR instead.
    opt = environ.get("NIMBUS_OPT_DIR") or "/opt"
    layers = (opt + "/python/lib/python%d.%d/site-packages" % sys.version_info[:2], opt + "/python")
    sys.path[0:0] = [task_root] + [p for p in layers if os.path.isdir(p)]
    try:
        os.chdir(task_root)
    except OSError:
        pass
    try:
        handler = load_handler(environ.get("_HANDLER", ""))
        ensure_logging()
        return handler
    except Exception as e:
        if isinstance(e, FaultException):
            error = make_error(e.msg, e.exception_type, e.trace)
        else:
            error = error_from_exception(e)
        drain_output()
        log_error(error)
        header = encode_header({"t": "init-error", "errorType": error["errorType"]})
        send_frame(header, to_json(error).encode("utf-8"))
        os._exit(1)


def handle_invoke(handler, header, body):
    """Runs one invocation and sends its `response` or `error` frame."""
    invoke_id = header.get("id", "")
    current["request_id"] = invoke_id
    current["tenant_id"] = header.get("tenantId")
    trace_id = header.get("traceId")
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    elif "_X_AMZN_TRACE_ID" in os.environ:
        del os.environ["_X_AMZN_TRACE_ID"]
    error = None
    try:
        context = create_context(header)
        event = unmarshal_request(body)
        result = marshal_response(handler(event, context))
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception as e:
        error = error_from_exception(e, invoke_id)
    drain_output()
    if error is None:
        send_frame(encode_header({"t": "response", "id": invoke_id}), result)
    else:
        log_error(error)
        header = encode_header({"t": "error", "id": invoke_id, "errorType": error["errorType"]})
        send_frame(header, to_json(error).encode("utf-8"))


def await_assignment(queue):
    """Pre-started environment (NIMBUS_DEFERRED_INIT=1): report `standby`, then take the
    function's environment variables from the `assign` frame before Init."""
    global _ENSURE_ASCII
    send_frame(b'{"t":"standby","runtime":"python"}')
    while True:
        header, body = queue.get()
        if header.get("t") == "assign":
            break
    for key, value in json_loads(body).items():
        os.environ[key] = value
    os.environ.pop("NIMBUS_DEFERRED_INIT", None)
    _ENSURE_ASCII = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.12"


def run():
    """Init, `ready`, then one invocation at a time until fd 3 closes."""
    capture_output()
    install_logging()
    try:
        queue = SimpleQueue()
        _thread.start_new_thread(read_frames, (queue.put,))
        if os.environ.get("NIMBUS_DEFERRED_INIT") == "1":
            await_assignment(queue)
        handler = init(os.environ)
        version = sys.version.split()[0]  # what platform.python_version() returns, minus the import
        send_frame(('{"t":"ready","runtime":"python","version":"%s"}' % version).encode())
        while True:
            header, body = queue.get()
            if header.get("t") == "invoke":
                handle_invoke(handler, header, body)
    finally:  # SystemExit raised by the function: keep the output it produced
        drain_output()
