/*
 * berth_sys: the few Linux system calls Node has no binding for and berth needs on its hot path.
 * Spawning mount(8)/umount(8) costs 5-7 ms per call here (libmount, path canonicalisation); the
 * system calls cost well under 1 ms. Every call runs on libuv's thread pool and settles a promise,
 * so a slow unmount never stalls the event loop.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

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

/* mount(source, target, fstype, flags, data): Promise<void> */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct op *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->kind = OP_MOUNT;
  if (argc < 5) return fail(env, o, "mount(source, target, fstype, flags, data)");
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
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct op *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->kind = OP_UMOUNT;
  if (argc < 2) return fail(env, o, "umount(target, flags)");
  o->a = get_string(env, argv[0]);
  o->flags = get_uint(env, argv[1]);
  if (!o->a) return fail(env, o, "umount: target must be a string");
  return start(env, o, "berth.umount");
}

/* mknod(path, mode, major, minor): Promise<void>; mode includes the file type bits */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct op *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->kind = OP_MKNOD;
  if (argc < 4) return fail(env, o, "mknod(path, mode, major, minor)");
  o->a = get_string(env, argv[0]);
  o->mode = get_uint(env, argv[1]);
  o->major = get_uint(env, argv[2]);
  o->minor = get_uint(env, argv[3]);
  if (!o->a) return fail(env, o, "mknod: path must be a string");
  return start(env, o, "berth.mknod");
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mount", NULL, js_mount, NULL, NULL, NULL, napi_default, NULL},
      {"umount", NULL, js_umount, NULL, NULL, NULL, napi_default, NULL},
      {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
