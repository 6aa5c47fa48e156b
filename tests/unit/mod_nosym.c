/*
 * mod_nosym.c -- a test shared object that is no sockservd module: it does
 * not export the descriptor symbol, which the loader must report.
 */
int mod_nosym_marker(void);

int
mod_nosym_marker(void)
{
	return 42;
}
