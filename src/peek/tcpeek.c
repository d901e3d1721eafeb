/* placeholder until the program lands */
#include <stdio.h>
int main(void)
{
	fputs("tcpeek: not implemented yet\n", stderr);
	return 1;
}
