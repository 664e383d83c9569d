/* The ng_host script: one command a line (see the contract in the brief of
 * issue #22); script_load() reads and checks a whole file before anything
 * runs, so a bad line stops the host before the plugin is loaded. */
#ifndef NG_HOST_SCRIPT_H
#define NG_HOST_SCRIPT_H

#include <stddef.h>

enum cmd_kind {
    CMD_RATE, CMD_WORKER, CMD_BLOCKS, CMD_TEMPO, CMD_METER, CMD_POSITION, CMD_ROLL, CMD_STOP,
    CMD_POSEVERY, CMD_SET, CMD_RUN, CMD_WAIT, CMD_SAVE, CMD_RESTORE, CMD_MIDI
};

enum { MAX_CYCLE = 64, MAX_MIDI = 16, MAX_TEXT = 1024 };

typedef struct cmd {
    enum cmd_kind kind;
    int line;
    double a, b;              /* rate, tempo, meter, position, set value, run amount */
    char unit;                /* run: 's', 'f' or 'b' */
    int flag;                 /* worker: 1 = thread; posevery: 1 = on */
    int count;                /* blocks, midi: how many values */
    long values[MAX_CYCLE];   /* blocks: the cycle; midi: the bytes */
    char text[MAX_TEXT];      /* set: the symbol; save/restore: the path */
} cmd;

typedef struct script {
    const char *path;
    cmd *cmds;
    int count;
    double rate;              /* the sample rate the plugin is instantiated at */
    int threaded;             /* worker thread */
    long max_block;           /* the longest block of any cycle */
    long nominal_block;       /* the first cycle's first length */
} script;

/* Reads and checks the file; on failure writes "PATH:LINE: reason" into err
 * and returns -1. */
int script_load(const char *path, script *s, char *err, size_t errlen);
void script_free(script *s);

#endif
