/* Arena allocator for the vendored tree-sitter runtime (see wm_arena.c). */
#ifndef WM_ARENA_H
#define WM_ARENA_H

void wm_arena_install(void);
void wm_arena_begin(void);
void wm_arena_end(void);
/* Whether a call is under way on this thread (a respeller calling back in). */
int wm_arena_active(void);

#endif
