using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("EdgeLangevin.Firmware.NanoFramework")]
[assembly: AssemblyDescription("Langevin sparse coding on an ESP32 with .NET nanoFramework")]
[assembly: AssemblyProduct("EdgeLangevin")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("0.1.0.0")]
[assembly: AssemblyFileVersion("0.1.0.0")]
