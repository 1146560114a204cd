/*
 * berth_sys: the few Linux system calls Node has no binding for and berth needs on its hot path.
 * Spawning mount(8)/umount(8) costs 5-7 ms per call here (libmount, path canonicalisation); the
 * system calls cost well under 1 ms. Every call runs on libuv's thread pool and settles a promise,
 * so a slow unmount never stalls the event loop. It also gives Node SOCK_SEQPACKET sockets, which
 * conmon's attach socket is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

enum op_kind { OP_MOUNT, OP_UMOUNT, OP_MKNOD };

struct op {
  enum op_kind kind;
  char *a, *b, *c, *d; /* mount: source, target, fstype, data; umount/mknod: path in a */
  unsigned long flags;
  unsigned int mode, major, minor;
  int err;
  napi_deferred deferred;
  napi_async_work work;
};

static char *get_string(napi_env env, napi_value v) {
  size_t len = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return NULL;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static unsigned int get_uint(napi_env env, napi_value v) {
  uint32_t n = 0;
  napi_get_value_uint32(env, v, &n);
  return n;
}

static void execute(napi_env env, void *data) {
  (void)env;
  struct op *o = data;
  int r = 0;
  switch (o->kind) {
    case OP_MOUNT:
      r = mount(o->a, o->b, o->c, o->flags, o->d);
      break;
    case OP_UMOUNT:
      r = umount2(o->a, (int)o->flags);
      break;
    case OP_MKNOD:
      r = mknod(o->a, o->mode, makedev(o->major, o->minor));
      break;
  }
  o->err = r == 0 ? 0 : errno;
}

static void complete(napi_env env, napi_status status, void *data) {
  struct op *o = data;
  if (status == napi_ok && o->err == 0) {
    napi_value undef;
    napi_get_undefined(env, &undef);
    napi_resolve_deferred(env, o->deferred, undef);
  } else {
    int e = o->err ? o->err : EIO;
    napi_value msg, code, err;
    napi_create_string_utf8(env, strerror(e), NAPI_AUTO_LENGTH, &msg);
    napi_create_int32(env, e, &code);
    napi_create_error(env, NULL, msg, &err);
    napi_set_named_property(env, err, "errno", code);
    napi_reject_deferred(env, o->deferred, err);
  }
  napi_delete_async_work(env, o->work);
  free(o->a);
  free(o->b);
  free(o->c);
  free(o->d);
  free(o);
}

static napi_value start(napi_env env, struct op *o, const char *name) {
  napi_value promise, resource;
  napi_create_promise(env, &o->deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_create_async_work(env, NULL, resource, execute, complete, o, &o->work);
  napi_queue_async_work(env, o->work);
  return promise;
}

static napi_value fail(napi_env env, struct op *o, const char *msg) {
  free(o->a);
  free(o->b);
  free(o->c);
  free(o->d);
  free(o);
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

/* Reads a call's arguments into a new op; NULL (with a TypeError thrown) when too few. */
static struct op *new_op(napi_env env, napi_callback_info info, enum op_kind kind, size_t want, napi_value *argv, const char *usage) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct op *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->kind = kind;
  if (argc < want) {
    fail(env, o, usage);
    return NULL;
  }
  return o;
}

/* mount(source, target, fstype, flags, data): Promise<void> */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  struct op *o = new_op(env, info, OP_MOUNT, 5, argv, "mount(source, target, fstype, flags, data)");
  if (!o) return NULL;
  o->a = get_string(env, argv[0]);
  o->b = get_string(env, argv[1]);
  o->c = get_string(env, argv[2]);
  o->flags = get_uint(env, argv[3]);
  o->d = get_string(env, argv[4]);
  if (!o->a || !o->b || !o->c || !o->d) return fail(env, o, "mount: string arguments expected");
  return start(env, o, "berth.mount");
}

/* umount(target, flags): Promise<void> */
static napi_value js_umount(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct op *o = new_op(env, info, OP_UMOUNT, 2, argv, "umount(target, flags)");
  if (!o) return NULL;
  o->a = get_string(env, argv[0]);
  o->flags = get_uint(env, argv[1]);
  if (!o->a) return fail(env, o, "umount: target must be a string");
  return start(env, o, "berth.umount");
}

/* mknod(path, mode, major, minor): Promise<void>; mode includes the file type bits */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  struct op *o = new_op(env, info, OP_MKNOD, 4, argv, "mknod(path, mode, major, minor)");
  if (!o) return NULL;
  o->a = get_string(env, argv[0]);
  o->mode = get_uint(env, argv[1]);
  o->major = get_uint(env, argv[2]);
  o->minor = get_uint(env, argv[3]);
  if (!o->a) return fail(env, o, "mknod: path must be a string");
  return start(env, o, "berth.mknod");
}

/*
 * SOCK_SEQPACKET client sockets (conmon's attach socket). Node's net module cannot open them, so
 * the fd is watched with a libuv poll handle on Node's own loop and every packet is handed to a JS
 * callback as one Buffer: on(kind, data) with kind 1 = packet, 2 = end of stream, 3 = error (data
 * is the errno), 4 = writable again after a send returned EAGAIN.
 */
enum sp_event { SP_DATA = 1, SP_END = 2, SP_ERROR = 3, SP_WRITABLE = 4 };

struct sp {
  int slot;
  int fd;
  int events;
  int closed;
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
};

#define SP_MAX 4096
static struct sp *sp_table[SP_MAX];

static void sp_emit(struct sp *s, int kind, const char *data, size_t len, int err) {
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, argv[2], result;
  napi_get_reference_value(env, s->callback, &cb);
  napi_get_global(env, &recv); /* napi_make_callback needs an object as the receiver */
  napi_create_int32(env, kind, &argv[0]);
  if (kind == SP_DATA) {
    void *copy;
    napi_create_buffer_copy(env, len, data, &copy, &argv[1]);
  } else if (kind == SP_ERROR) {
    napi_create_int32(env, err, &argv[1]);
  } else {
    napi_get_undefined(env, &argv[1]);
  }
  if (napi_make_callback(env, s->context, recv, cb, 2, argv, &result) == napi_pending_exception) {
    /* A pending exception would make every later N-API call fail: report it as uncaught. */
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

static void sp_on_close(uv_handle_t *h) {
  struct sp *s = h->data;
  if (sp_table[s->slot] == s) sp_table[s->slot] = NULL;
  napi_delete_reference(s->env, s->callback);
  napi_async_destroy(s->env, s->context);
  free(s);
}

static void sp_shutdown_handle(struct sp *s) {
  if (s->closed) return;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  uv_close((uv_handle_t *)&s->poll, sp_on_close);
}

static void sp_on_poll(uv_poll_t *h, int status, int events) {
  struct sp *s = h->data;
  if (s->closed) return;
  if (status < 0) {
    sp_emit(s, SP_ERROR, NULL, 0, -status);
    return;
  }
  if (events & UV_WRITABLE) {
    s->events &= ~UV_WRITABLE;
    uv_poll_start(&s->poll, s->events, sp_on_poll);
    sp_emit(s, SP_WRITABLE, NULL, 0, 0);
    if (s->closed) return;
  }
  if (events & UV_READABLE) {
    char buf[65536];
    for (int i = 0; i < 64 && !s->closed; i++) {
      ssize_t n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        sp_emit(s, SP_DATA, buf, (size_t)n, 0);
        continue;
      }
      if (n == 0) {
        s->events &= ~UV_READABLE;
        uv_poll_start(&s->poll, s->events, sp_on_poll);
        sp_emit(s, SP_END, NULL, 0, 0);
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        sp_emit(s, SP_ERROR, NULL, 0, errno);
      }
      break;
    }
  }
}

static struct sp *sp_get(napi_env env, napi_value v) {
  int32_t id = -1;
  napi_get_value_int32(env, v, &id);
  if (id < 0 || id >= SP_MAX || !sp_table[id] || sp_table[id]->closed) return NULL;
  return sp_table[id];
}

/* seqpacketConnect(path, callback): id (throws with errno on failure) */
static napi_value js_sp_connect(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *path = argc >= 2 ? get_string(env, argv[0]) : NULL;
  if (!path) {
    napi_throw_type_error(env, NULL, "seqpacketConnect(path, callback)");
    return NULL;
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path) {
    free(path);
    napi_throw_range_error(env, NULL, "socket path too long");
    return NULL;
  }
  strcpy(addr.sun_path, path);
  free(path);
  int slot = -1;
  for (int i = 0; i < SP_MAX; i++) {
    if (!sp_table[i]) {
      slot = i;
      break;
    }
  }
  int fd = slot < 0 ? -1 : socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    int e = slot < 0 ? EMFILE : errno;
    if (fd >= 0) close(fd);
    napi_value msg, code, err;
    napi_create_string_utf8(env, strerror(e), NAPI_AUTO_LENGTH, &msg);
    napi_create_int32(env, e, &code);
    napi_create_error(env, NULL, msg, &err);
    napi_set_named_property(env, err, "errno", code);
    napi_throw(env, err);
    return NULL;
  }
  struct sp *s = calloc(1, sizeof *s);
  s->slot = slot;
  s->fd = fd;
  s->env = env;
  s->events = UV_READABLE;
  s->poll.data = s;
  napi_value resource;
  napi_create_string_utf8(env, "berth.seqpacket", NAPI_AUTO_LENGTH, &resource);
  napi_async_init(env, NULL, resource, &s->context);
  napi_create_reference(env, argv[1], 1, &s->callback);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &s->poll, fd);
  uv_poll_start(&s->poll, s->events, sp_on_poll);
  sp_table[slot] = s;
  napi_create_int32(env, slot, &out);
  return out;
}

/* seqpacketSend(id, buffer): bytes sent, or -errno (-EAGAIN: wait for the writable event) */
static napi_value js_sp_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sp *s = argc >= 2 ? sp_get(env, argv[0]) : NULL;
  void *data = NULL;
  size_t len = 0;
  if (!s || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok) {
    napi_create_int32(env, -EBADF, &out);
    return out;
  }
  ssize_t n = send(s->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  int e = n < 0 ? errno : 0; /* before any other call can change errno */
  if (e == EAGAIN || e == EWOULDBLOCK) {
    e = EAGAIN;
    s->events |= UV_WRITABLE;
    uv_poll_start(&s->poll, s->events, sp_on_poll);
  }
  napi_create_int32(env, n < 0 ? -e : (int32_t)n, &out);
  return out;
}

/* seqpacketShutdown(id): no more data from us (the peer sees end of stream) */
static napi_value js_sp_shutdown(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sp *s = argc >= 1 ? sp_get(env, argv[0]) : NULL;
  if (s) shutdown(s->fd, SHUT_WR);
  return NULL;
}

/* seqpacketClose(id) */
static napi_value js_sp_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sp *s = argc >= 1 ? sp_get(env, argv[0]) : NULL;
  if (s) sp_shutdown_handle(s);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mount", NULL, js_mount, NULL, NULL, NULL, napi_default, NULL},
      {"umount", NULL, js_umount, NULL, NULL, NULL, napi_default, NULL},
      {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_default, NULL},
      {"seqpacketConnect", NULL, js_sp_connect, NULL, NULL, NULL, napi_default, NULL},
      {"seqpacketSend", NULL, js_sp_send, NULL, NULL, NULL, napi_default, NULL},
      {"seqpacketShutdown", NULL, js_sp_shutdown, NULL, NULL, NULL, napi_default, NULL},
      {"seqpacketClose", NULL, js_sp_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
