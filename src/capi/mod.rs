//! Every `extern "C"` item of the library, one file per API family.
