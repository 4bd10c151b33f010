/* bcryptprimitives.dll for Wine 8, which lacks it: Rust's std (>= 1.78) imports ProcessPrng
 * from it and the program exits with status 53 before main without it. This one fills the
 * buffer from advapi32's RtlGenRandom (SystemFunction036), as Wine's own rand_s does.
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll processprng.c -ladvapi32 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
		if (!SystemFunction036(data, chunk))
			return FALSE;
		data += chunk;
		length -= chunk;
	}
	return TRUE;
}
