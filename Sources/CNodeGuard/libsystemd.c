#include <dlfcn.h>
#include <stdio.h>
#include "cnodeguard.h"

int ng_libsystemd_load(struct ng_libsystemd *lib, char *error, size_t length) {
    void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) { snprintf(error, length, "%s", dlerror()); return -1; }
    struct { void **slot; const char *name; } table[] = {
        { (void **)&lib->bus_open_system, "sd_bus_open_system" },
        { (void **)&lib->bus_close_unref, "sd_bus_close_unref" },
        { (void **)&lib->message_new_method_call, "sd_bus_message_new_method_call" },
        { (void **)&lib->message_ref, "sd_bus_message_ref" },
        { (void **)&lib->message_unref, "sd_bus_message_unref" },
        { (void **)&lib->message_append_basic, "sd_bus_message_append_basic" },
        { (void **)&lib->message_read_basic, "sd_bus_message_read_basic" },
        { (void **)&lib->message_is_method_error, "sd_bus_message_is_method_error" },
        { (void **)&lib->message_get_error, "sd_bus_message_get_error" },
        { (void **)&lib->call_async, "sd_bus_call_async" },
        { (void **)&lib->slot_unref, "sd_bus_slot_unref" },
        { (void **)&lib->process, "sd_bus_process" },
        { (void **)&lib->wait, "sd_bus_wait" },
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        *table[i].slot = dlsym(h, table[i].name);
        if (!*table[i].slot) { snprintf(error, length, "libsystemd.so.0 has no %s", table[i].name); return -1; }
    }
    return 0;
}
