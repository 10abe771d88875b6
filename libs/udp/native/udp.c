// Batched UDP for the DNS servers: recvmmsg/sendmmsg on a non-blocking socket watched by the
// process's own libuv loop, one call into JavaScript per batch of datagrams instead of one per
// datagram. The DNS logic stays in TypeScript; this file only moves bytes.
//
// Per batch, JavaScript sees the received datagrams in a shared ArrayBuffer (`in`, SLOT bytes per
// datagram) with their lengths and peers' families in `meta`, and writes the replies it has at once
// into `out` (SLOT bytes each) with their lengths in `meta`; when the callback returns, every reply
// is sent with one sendmmsg to the address its query came from. Replies computed later go out with
// sendTo(buffer, peer), where `peer` is the sockaddr copied by peer(slot).
#define _GNU_SOURCE
#define NAPI_VERSION 8
#define NODE_GYP_MODULE_NAME halo_udp
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define SLOT 4096
// Datagrams waiting for the socket to drain (EAGAIN); beyond this they are dropped, as the kernel would.
#define QUEUE_MAX 4096
// Batches read per readable event before the loop gets a turn (timers, TCP, the bus).
#define BATCHES_PER_EVENT 8

// meta layout, int32 per slot: query length, peer family (4 or 6), reply length (0: none).
#define META_LEN 0
#define META_FAMILY 1
#define META_REPLY 2
#define META_STRIDE 3

typedef struct queued {
  struct sockaddr_storage to;
  socklen_t tolen;
  size_t len;
  struct queued *next;
  uint8_t data[];
} queued;

typedef struct {
  napi_env env;
  int fd;
  int closing;
  int closed;
  uv_poll_t poll;
  int events;
  napi_ref self;
  napi_ref callback;
  napi_ref on_closed;
  napi_ref in_ref, out_ref, meta_ref;
  napi_async_context async;
  uint8_t *in;
  uint8_t *out;
  int32_t *meta;
  struct sockaddr_storage from[BATCH];
  struct mmsghdr rmsgs[BATCH];
  struct iovec riov[BATCH];
  struct mmsghdr smsgs[BATCH];
  struct iovec siov[BATCH];
  queued *head, *tail;
  size_t queued_count;
  double dropped;
} udp_socket;

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  const char *code = err == EADDRINUSE ? "EADDRINUSE" : err == EACCES ? "EACCES" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : "EUDP";
  napi_throw_error(env, code, message);
  return NULL;
}

static void on_poll(uv_poll_t *handle, int status, int events);

static void update_events(udp_socket *s) {
  if (s->closing) return;
  int want = UV_READABLE | (s->head ? UV_WRITABLE : 0);
  if (want == s->events) return;
  s->events = want;
  uv_poll_start(&s->poll, want, on_poll);
}

static void enqueue(udp_socket *s, const struct sockaddr_storage *to, socklen_t tolen, const uint8_t *data, size_t len) {
  if (s->queued_count >= QUEUE_MAX) {
    s->dropped++;
    return;
  }
  queued *q = malloc(sizeof(queued) + len);
  if (!q) {
    s->dropped++;
    return;
  }
  memcpy(&q->to, to, tolen);
  q->tolen = tolen;
  q->len = len;
  q->next = NULL;
  memcpy(q->data, data, len);
  if (s->tail) s->tail->next = q;
  else s->head = q;
  s->tail = q;
  s->queued_count++;
}

// 1: sent or dropped for good; 0: the socket is full, try later.
static int send_one(udp_socket *s, const struct sockaddr_storage *to, socklen_t tolen, const uint8_t *data, size_t len) {
  for (;;) {
    ssize_t n = sendto(s->fd, data, len, MSG_DONTWAIT, (const struct sockaddr *)to, tolen);
    if (n >= 0) return 1;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return 0;
    // The peer's problem (unreachable, refused): the datagram is gone, as with any UDP send.
    s->dropped++;
    return 1;
  }
}

static void flush_queue(udp_socket *s) {
  while (s->head) {
    queued *q = s->head;
    if (!send_one(s, &q->to, q->tolen, q->data, q->len)) break;
    s->head = q->next;
    if (!s->head) s->tail = NULL;
    s->queued_count--;
    free(q);
  }
}

static void free_queue(udp_socket *s) {
  while (s->head) {
    queued *q = s->head;
    s->head = q->next;
    free(q);
  }
  s->tail = NULL;
  s->queued_count = 0;
}

static void send_replies(udp_socket *s, int count) {
  int n = 0;
  int slots[BATCH];
  for (int i = 0; i < count; i++) {
    int32_t len = s->meta[i * META_STRIDE + META_REPLY];
    if (len <= 0 || len > SLOT) continue;
    s->siov[n].iov_base = s->out + (size_t)i * SLOT;
    s->siov[n].iov_len = (size_t)len;
    memset(&s->smsgs[n].msg_hdr, 0, sizeof(struct msghdr));
    s->smsgs[n].msg_hdr.msg_name = &s->from[i];
    s->smsgs[n].msg_hdr.msg_namelen = s->rmsgs[i].msg_hdr.msg_namelen;
    s->smsgs[n].msg_hdr.msg_iov = &s->siov[n];
    s->smsgs[n].msg_hdr.msg_iovlen = 1;
    slots[n] = i;
    n++;
  }
  int done = 0;
  // Datagrams queued earlier go first, so that replies keep their order.
  if (s->head) flush_queue(s);
  while (done < n && !s->head) {
    int sent = sendmmsg(s->fd, s->smsgs + done, (unsigned)(n - done), MSG_DONTWAIT);
    if (sent > 0) {
      done += sent;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) break;
    // One datagram failed for a reason of its own (a peer we cannot reach): skip it.
    s->dropped++;
    done++;
  }
  for (; done < n; done++) {
    int i = slots[done];
    enqueue(s, &s->from[i], s->rmsgs[i].msg_hdr.msg_namelen, s->out + (size_t)i * SLOT, (size_t)s->meta[i * META_STRIDE + META_REPLY]);
  }
}

static int receive_batch(udp_socket *s) {
  for (int i = 0; i < BATCH; i++) {
    s->riov[i].iov_base = s->in + (size_t)i * SLOT;
    s->riov[i].iov_len = SLOT;
    memset(&s->rmsgs[i].msg_hdr, 0, sizeof(struct msghdr));
    s->rmsgs[i].msg_hdr.msg_name = &s->from[i];
    s->rmsgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    s->rmsgs[i].msg_hdr.msg_iov = &s->riov[i];
    s->rmsgs[i].msg_hdr.msg_iovlen = 1;
  }
  int n;
  do n = recvmmsg(s->fd, s->rmsgs, BATCH, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  return n;
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  udp_socket *s = handle->data;
  if (s->closing) return;
  if (status < 0) return;
  if (events & UV_WRITABLE) flush_queue(s);
  if (events & UV_READABLE) {
    napi_env env = s->env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value self, callback, global;
    napi_get_reference_value(env, s->self, &self);
    napi_get_reference_value(env, s->callback, &callback);
    napi_get_global(env, &global);
    for (int round = 0; round < BATCHES_PER_EVENT && !s->closing; round++) {
      int n = receive_batch(s);
      if (n <= 0) break;
      int usable = 0;
      for (int i = 0; i < n; i++) {
        int32_t *m = s->meta + i * META_STRIDE;
        // A query larger than a slot is no DNS query we serve over UDP: length 0 makes JavaScript skip it.
        m[META_LEN] = (s->rmsgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : (int32_t)s->rmsgs[i].msg_len;
        // An IPv4 client of a dual-stack socket arrives as ::ffff:a.b.c.d: it is IPv4 to the metrics.
        m[META_FAMILY] = s->from[i].ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&s->from[i])->sin6_addr) ? 6 : 4;
        m[META_REPLY] = 0;
        if (m[META_LEN] > 0) usable++;
      }
      if (usable > 0) {
        napi_value argv[1];
        napi_create_int32(env, n, &argv[0]);
        napi_value result;
        // make_callback: promises and process.nextTick work queued by the handler run when it returns.
        napi_status st = napi_make_callback(env, s->async, self, callback, 1, argv, &result);
        if (st == napi_pending_exception) {
          napi_value err;
          napi_get_and_clear_last_exception(env, &err);
          napi_fatal_exception(env, err);
        }
      }
      if (s->closing) break;
      send_replies(s, n);
      if (n < BATCH) break;
    }
    napi_close_handle_scope(env, scope);
  }
  update_events(s);
}

static void on_close(uv_handle_t *handle) {
  udp_socket *s = handle->data;
  napi_env env = s->env;
  close(s->fd);
  s->fd = -1;
  free_queue(s);
  s->closed = 1;
  napi_delete_reference(env, s->callback);
  napi_delete_reference(env, s->in_ref);
  napi_delete_reference(env, s->out_ref);
  napi_delete_reference(env, s->meta_ref);
  if (s->on_closed) {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value self, callback, result;
    napi_get_reference_value(env, s->self, &self);
    napi_get_reference_value(env, s->on_closed, &callback);
    napi_make_callback(env, s->async, self, callback, 0, NULL, &result);
    napi_close_handle_scope(env, scope);
    napi_delete_reference(env, s->on_closed);
  }
  napi_async_destroy(env, s->async);
  // The wrapper may now be collected; its finalizer frees the struct.
  napi_delete_reference(env, s->self);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  udp_socket *s = data;
  if (s->closed) free(s);
  // An open socket keeps its wrapper alive through `self`; this is reached only after close.
}

static udp_socket *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  napi_get_cb_info(env, info, argc, argv, &self, NULL);
  udp_socket *s = NULL;
  napi_unwrap(env, self, (void **)&s);
  if (!s || s->closing) {
    napi_throw_error(env, "ERR_SOCKET_CLOSED", "the socket is closed");
    return NULL;
  }
  return s;
}

static int read_sockaddr(napi_env env, napi_value peer, struct sockaddr_storage *to, socklen_t *tolen) {
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, peer, &data, &len) != napi_ok || (len != sizeof(struct sockaddr_in) && len != sizeof(struct sockaddr_in6))) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "peer must be a buffer from peer(slot)");
    return 0;
  }
  memcpy(to, data, len);
  *tolen = (socklen_t)len;
  return 1;
}

// peer(slot) → Buffer holding the sockaddr of the query in that slot (valid during the batch callback).
static napi_value js_peer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  udp_socket *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  int32_t slot = -1;
  napi_get_value_int32(env, argv[0], &slot);
  if (slot < 0 || slot >= BATCH) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "slot out of range");
    return NULL;
  }
  socklen_t len = s->rmsgs[slot].msg_hdr.msg_namelen;
  napi_value out;
  void *copy;
  napi_create_buffer_copy(env, len, &s->from[slot], &copy, &out);
  return out;
}

// sendTo(buffer, peer): one reply computed after its batch.
static napi_value js_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  udp_socket *s = unwrap(env, info, &argc, argv);
  if (!s) return NULL;
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "the reply must be a Buffer");
    return NULL;
  }
  struct sockaddr_storage to;
  socklen_t tolen;
  if (!read_sockaddr(env, argv[1], &to, &tolen)) return NULL;
  if (s->head || !send_one(s, &to, tolen, data, len)) enqueue(s, &to, tolen, data, len);
  update_events(s);
  return NULL;
}

// address(peer) → [address, port], as node:dgram shows them.
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct sockaddr_storage to;
  socklen_t tolen;
  if (!read_sockaddr(env, argv[0], &to, &tolen)) return NULL;
  char text[INET6_ADDRSTRLEN] = "";
  int port = 0;
  if (to.ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&to;
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  }
  napi_value out, address, portValue;
  napi_create_array_with_length(env, 2, &out);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &address);
  napi_create_int32(env, port, &portValue);
  napi_set_element(env, out, 0, address);
  napi_set_element(env, out, 1, portValue);
  return out;
}

// stats() → [datagrams dropped, datagrams queued]
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  napi_get_cb_info(env, info, &argc, NULL, &self, NULL);
  udp_socket *s = NULL;
  napi_unwrap(env, self, (void **)&s);
  napi_value out, dropped, queuedValue;
  napi_create_array_with_length(env, 2, &out);
  napi_create_double(env, s ? s->dropped : 0, &dropped);
  napi_create_double(env, s ? (double)s->queued_count : 0, &queuedValue);
  napi_set_element(env, out, 0, dropped);
  napi_set_element(env, out, 1, queuedValue);
  return out;
}

// leave(): takes the socket out of its SO_REUSEPORT group without closing it, so that what is queued
// in it can still be read and answered while new queries go to the group's other sockets. Connecting
// does it: the kernel gives a connected UDP socket only datagrams from its peer (Linux >= 5.0 skips
// connected sockets when it picks one of a group), and the peer is the discard port of our own
// address, from which no query comes. Replies still go out with explicit addresses.
static napi_value js_leave(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  udp_socket *s = unwrap(env, info, &argc, NULL);
  if (!s) return NULL;
  struct sockaddr_storage self;
  socklen_t len = sizeof self;
  if (getsockname(s->fd, (struct sockaddr *)&self, &len) < 0) return throw_errno(env, "getsockname", errno);
  if (self.ss_family == AF_INET6) ((struct sockaddr_in6 *)&self)->sin6_port = htons(9);
  else ((struct sockaddr_in *)&self)->sin_port = htons(9);
  if (connect(s->fd, (struct sockaddr *)&self, len) < 0) return throw_errno(env, "connect", errno);
  return NULL;
}

// close(callback): the callback runs once the socket is closed (its port free for others).
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value self;
  napi_get_cb_info(env, info, &argc, argv, &self, NULL);
  udp_socket *s = NULL;
  napi_unwrap(env, self, (void **)&s);
  if (!s || s->closing) return NULL;
  s->closing = 1;
  napi_valuetype type = napi_undefined;
  if (argc >= 1) napi_typeof(env, argv[0], &type);
  if (type == napi_function) napi_create_reference(env, argv[0], 1, &s->on_closed);
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_close);
  return NULL;
}

static napi_value new_arraybuffer(napi_env env, size_t size, void **data, napi_ref *ref) {
  napi_value buffer;
  napi_create_arraybuffer(env, size, data, &buffer);
  napi_create_reference(env, buffer, 1, ref);
  return buffer;
}

// bind(host, port, ipv6, reusePort, callback) → socket object { port, in, out, meta, peer, sendTo, close, stats }
static napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "bind(host, port, ipv6, reusePort, callback)");
    return NULL;
  }
  char host[INET6_ADDRSTRLEN + 1];
  size_t hostLen;
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &hostLen) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "host must be an IP address");
    return NULL;
  }
  int32_t port;
  bool ipv6, reusePort;
  napi_get_value_int32(env, argv[1], &port);
  napi_get_value_bool(env, argv[2], &ipv6);
  napi_get_value_bool(env, argv[3], &reusePort);

  struct sockaddr_storage addr;
  socklen_t addrlen;
  memset(&addr, 0, sizeof addr);
  if (ipv6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&addr;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
      napi_throw_type_error(env, "ERR_INVALID_IP_ADDRESS", "host must be an IPv6 address");
      return NULL;
    }
    addrlen = sizeof(struct sockaddr_in6);
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&addr;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
      napi_throw_type_error(env, "ERR_INVALID_IP_ADDRESS", "host must be an IPv4 address");
      return NULL;
    }
    addrlen = sizeof(struct sockaddr_in);
  }

  int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1;
  if (reusePort) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  }
  if (bind(fd, (struct sockaddr *)&addr, addrlen) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  struct sockaddr_storage bound;
  socklen_t boundlen = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &boundlen);
  int boundPort = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port : ((struct sockaddr_in *)&bound)->sin_port);

  udp_socket *s = calloc(1, sizeof(udp_socket));
  if (!s) {
    close(fd);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  s->env = env;
  s->fd = fd;

  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  if (uv_poll_init(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    napi_throw_error(env, "EUDP", "cannot watch the socket");
    return NULL;
  }
  s->poll.data = s;

  napi_value obj, value, name;
  napi_create_object(env, &obj);
  napi_wrap(env, obj, s, finalize, NULL, NULL);
  napi_create_reference(env, obj, 1, &s->self);
  napi_create_reference(env, argv[4], 1, &s->callback);
  napi_create_string_utf8(env, "halo.udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, obj, name, &s->async);

  napi_set_named_property(env, obj, "in", new_arraybuffer(env, (size_t)BATCH * SLOT, (void **)&s->in, &s->in_ref));
  napi_set_named_property(env, obj, "out", new_arraybuffer(env, (size_t)BATCH * SLOT, (void **)&s->out, &s->out_ref));
  napi_set_named_property(env, obj, "meta", new_arraybuffer(env, (size_t)BATCH * META_STRIDE * sizeof(int32_t), (void **)&s->meta, &s->meta_ref));
  napi_create_int32(env, boundPort, &value);
  napi_set_named_property(env, obj, "port", value);

  napi_property_descriptor methods[] = {
      {"peer", NULL, js_peer, NULL, NULL, NULL, napi_default, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"leave", NULL, js_leave, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, obj, sizeof methods / sizeof methods[0], methods);

  s->events = UV_READABLE;
  uv_poll_start(&s->poll, UV_READABLE, on_poll);
  return obj;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value value;
  napi_property_descriptor props[] = {
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, js_address, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  napi_create_int32(env, BATCH, &value);
  napi_set_named_property(env, exports, "BATCH", value);
  napi_create_int32(env, SLOT, &value);
  napi_set_named_property(env, exports, "SLOT", value);
  napi_create_int32(env, META_STRIDE, &value);
  napi_set_named_property(env, exports, "META_STRIDE", value);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
