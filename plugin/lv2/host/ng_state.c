/* ng_host's `save PATH` and `restore PATH`: the plugin's state (its
 * state:interface and the control ports' values) as Turtle text through
 * lilv_state_new_from_instance / lilv_state_to_string, and back through
 * lilv_state_new_from_string / lilv_state_restore. */
#define _GNU_SOURCE
#include "ng_host.h"

#include <errno.h>
#include <lv2/state/state.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const void *get_value(const char *symbol, void *user, uint32_t *size, uint32_t *type)
{
    host *h = user;
    for (uint32_t i = 0; i < h->port_count; i++) {
        port *p = &h->ports[i];
        if (p->kind == PORT_CONTROL_IN && !strcmp(p->symbol, symbol)) {
            *size = sizeof(float);
            *type = h->u.atom_float;
            return &p->value;
        }
    }
    *size = *type = 0;
    return NULL;
}

static void set_value(const char *symbol, void *user, const void *value, uint32_t size, uint32_t type)
{
    host *h = user;
    const uris *u = &h->u;
    float v;
    if (type == u->atom_float && size == sizeof(float)) v = *(const float *)value;
    else if (type == u->atom_double && size == sizeof(double)) v = (float)*(const double *)value;
    else if ((type == u->atom_int || type == u->atom_bool) && size == sizeof(int32_t)) v = (float)*(const int32_t *)value;
    else if (type == u->atom_long && size == sizeof(int64_t)) v = (float)*(const int64_t *)value;
    else die("a state's value for port %s has a type ng_host does not read", symbol);
    for (uint32_t i = 0; i < h->port_count; i++)
        if (h->ports[i].kind == PORT_CONTROL_IN && !strcmp(h->ports[i].symbol, symbol)) h->ports[i].value = v;
}

void state_save(host *h, const char *path, int line)
{
    LilvState *state = lilv_state_new_from_instance(h->plugin, h->inst, &h->map, NULL, NULL, NULL, NULL,
                                                    get_value, h, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
                                                    h->features);
    if (!state) die("%s:%d: the plugin's state could not be taken", h->s->path, line);
    char *text = lilv_state_to_string(h->world, &h->map, &h->unmap, state, "urn:notegen:ng_host:state", NULL);
    lilv_state_free(state);
    if (!text) die("%s:%d: the plugin's state could not be written as text", h->s->path, line);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int ok = f && fputs(text, f) >= 0;
    ok = f && !fclose(f) && ok;
    lilv_free(text);
    if (!ok || rename(tmp, path) < 0) {
        int e = errno;
        remove(tmp);
        die("%s: %s", path, strerror(e));
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) die("%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0, got;
    char *text = malloc(cap + 1);
    while (text && (got = fread(text + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) text = realloc(text, (cap *= 2) + 1);
    }
    int bad = ferror(f);
    fclose(f);
    if (!text) die("out of memory");
    if (bad) die("%s: read error", path);
    text[n] = 0;
    return text;
}

void state_restore(host *h, const char *path, int line)
{
    /* restore() is in the instantiation threading class: nothing else of the
     * instance (the worker's work() included) may run while it does */
    if (h->w.threaded && worker_wait(&h->w, 60) < 0)
        die("%s:%d: the worker did not answer within 60 s", h->s->path, line);
    char *text = slurp(path);
    LilvState *state = lilv_state_new_from_string(h->world, &h->map, text);
    free(text);
    if (!state) die("%s: not a plugin state (from %s:%d)", path, h->s->path, line);
    lilv_state_restore(state, h->inst, set_value, h, 0, h->features);
    lilv_state_free(state);
    worker_pump(&h->w, 0);
}
